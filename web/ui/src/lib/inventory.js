// How each inventory kind is shown: its route segment, its columns, and a
// one-line name of an item (for changes and search hits).
import { time } from './format.js';

const when = (s) => (s ? time(new Date(s * 1000).toISOString(), { relative: true }) : '–');
const list = (xs) => (xs && xs.length ? xs.join(', ') : '–');
const yes = (b) => (b ? 'yes' : 'no');

export const kinds = {
  packages: { label: 'Packages', segment: 'packages', cols: [['Name', (i) => i.name], ['Version', (i) => i.version], ['Arch', (i) => i.arch || '–'], ['Manager', (i) => i.manager]], name: (i) => i.name + ' ' + i.version },
  systemd: { label: 'Systemd units', segment: 'systemd', cols: [['Unit', (i) => i.name], ['Active', (i) => i.active_state + ' (' + i.sub_state + ')'], ['Enabled', (i) => i.enabled || '–'], ['Description', (i) => i.description || '']], name: (i) => i.name },
  users: { label: 'Users', segment: 'users', cols: [['Name', (i) => i.name], ['UID', (i) => i.uid], ['Shell', (i) => i.shell], ['Home', (i) => i.home], ['System', (i) => yes(i.system)], ['Locked', (i) => yes(i.locked)], ['Groups', (i) => list(i.groups)]], name: (i) => i.name + ' (uid ' + i.uid + ')' },
  groups: { label: 'Groups', segment: 'groups', cols: [['Name', (i) => i.name], ['GID', (i) => i.gid], ['Members', (i) => list(i.members)]], name: (i) => i.name },
  sudo: { label: 'Sudo rules', segment: 'sudo', cols: [['Who', (i) => i.principal], ['Hosts', (i) => list(i.hosts)], ['As', (i) => i.run_as || '–'], ['Commands', (i) => list(i.commands)], ['No password', (i) => yes(i.nopasswd)], ['Source', (i) => i.source]], name: (i) => i.principal + ' → ' + list(i.commands) },
  ssh_keys: { label: 'SSH keys', segment: 'ssh-keys', cols: [['User', (i) => i.user], ['Type', (i) => i.type + (i.bits ? ' ' + i.bits : '')], ['Fingerprint', (i) => i.fingerprint], ['Comment', (i) => i.comment || ''], ['File', (i) => i.file]], name: (i) => i.user + ' ' + i.type + ' ' + i.fingerprint },
  containers: { label: 'Containers', segment: 'containers', cols: [['Name', (i) => i.name], ['Image', (i) => i.image], ['State', (i) => i.state], ['Status', (i) => i.status], ['Ports', (i) => list(i.ports)]], name: (i) => i.name + ' (' + i.image + ')' },
  sockets: { label: 'Sockets', segment: 'sockets', cols: [['Proto', (i) => i.proto], ['State', (i) => i.state], ['Local', (i) => i.local_addr + ':' + i.local_port], ['Remote', (i) => (i.remote_addr ? i.remote_addr + ':' + i.remote_port : '–')], ['Process', (i) => (i.process ? i.process + ' (' + i.pid + ')' : '–')]], name: (i) => i.proto + ' ' + i.local_addr + ':' + i.local_port },
  backups: { label: 'Backups', segment: 'backups', cols: [['Tool', (i) => i.tool], ['Name', (i) => i.name], ['Schedule', (i) => i.schedule || '–'], ['Repository', (i) => i.repository || '–'], ['Last run', (i) => when(i.last_run_at)], ['Status', (i) => i.last_status || '–']], name: (i) => i.tool + ' ' + i.name },
};

// itemName is a short description of an item of any kind.
export function itemName(kind, item) {
  const k = kinds[kind];
  if (!item) return '';
  if (k) return k.name(item);
  return item.name || JSON.stringify(item).slice(0, 80);
}
