// The channel kinds the Notifications page offers, each with the fields a
// person knows (the service's own webhook URL, a token) and how they make
// the shoutrrr URL the API stores. "url" takes any shoutrrr URL as is.

// plain reports whether a server address is plain HTTP, and its host and path.
function server(raw) {
  let u;
  try {
    u = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : 'https://' + raw);
  } catch {
    return null;
  }
  return { plain: u.protocol === 'http:', host: u.host, path: u.pathname.replace(/\/$/, ''), search: u.search };
}

const enc = encodeURIComponent;

export const kinds = {
  ntfy: {
    label: 'ntfy',
    fields: [{ name: 'server', label: 'Server', placeholder: 'https://ntfy.sh' }, { name: 'topic', label: 'Topic', placeholder: 'monsys-alerts' },
      { name: 'token', label: 'Access token', hint: 'optional', type: 'password' }],
    build: (f) => {
      const s = server(f.server || 'https://ntfy.sh');
      if (!s || !f.topic) return '';
      return 'ntfy://' + (f.token ? ':' + enc(f.token) + '@' : '') + s.host + '/' + enc(f.topic) + (s.plain ? '?scheme=http' : '');
    },
  },
  gotify: {
    label: 'Gotify',
    fields: [{ name: 'server', label: 'Server', placeholder: 'https://gotify.example.org' }, { name: 'token', label: 'Application token', type: 'password' }],
    build: (f) => {
      const s = server(f.server);
      if (!s || !f.token) return '';
      return 'gotify://' + s.host + s.path + '/' + enc(f.token) + (s.plain ? '?disabletls=yes' : '');
    },
  },
  email: {
    label: 'E-mail',
    fields: [{ name: 'to', label: 'Addresses', hint: 'comma-separated; sent through the hub’s SMTP server', placeholder: 'ops@example.org' }],
    build: (f) => (f.to ? 'mailto:' + f.to.replace(/\s+/g, '') : ''),
  },
  slack: {
    label: 'Slack',
    fields: [{ name: 'url', label: 'Incoming webhook URL', placeholder: 'https://hooks.slack.com/services/T…/B…/…', type: 'password' }],
    build: (f) => {
      const m = /hooks\.slack\.com\/services\/([^/]+)\/([^/]+)\/([^/?#]+)/.exec(f.url || '');
      return m ? 'slack://hook:' + m[1] + '-' + m[2] + '-' + m[3] + '@webhook' : '';
    },
  },
  discord: {
    label: 'Discord',
    fields: [{ name: 'url', label: 'Webhook URL', placeholder: 'https://discord.com/api/webhooks/…/…', type: 'password' }],
    build: (f) => {
      const m = /\/api\/webhooks\/(\d+)\/([^/?#]+)/.exec(f.url || '');
      return m ? 'discord://' + m[2] + '@' + m[1] : '';
    },
  },
  teams: {
    label: 'Microsoft Teams',
    fields: [{ name: 'url', label: 'Incoming webhook URL', placeholder: 'https://org.webhook.office.com/webhookb2/…', type: 'password' }],
    build: (f) => (/^https:\/\//.test(f.url || '') ? 'teams+' + f.url : ''),
  },
  telegram: {
    label: 'Telegram',
    fields: [{ name: 'token', label: 'Bot token', placeholder: '110201543:AAH…', type: 'password' }, { name: 'chats', label: 'Chats', hint: 'comma-separated ids or @channels' }],
    build: (f) => (f.token && f.chats ? 'telegram://' + f.token + '@telegram?chats=' + enc(f.chats.replace(/\s+/g, '')) : ''),
  },
  pushover: {
    label: 'Pushover',
    fields: [{ name: 'token', label: 'API token', type: 'password' }, { name: 'user', label: 'User key' }],
    build: (f) => (f.token && f.user ? 'pushover://shoutrrr:' + enc(f.token) + '@' + enc(f.user) + '/' : ''),
  },
  matrix: {
    label: 'Matrix',
    fields: [{ name: 'server', label: 'Homeserver', placeholder: 'https://matrix.example.org' }, { name: 'user', label: 'User' },
      { name: 'password', label: 'Password', type: 'password' }, { name: 'rooms', label: 'Rooms', hint: 'comma-separated', placeholder: '!abc:example.org' }],
    build: (f) => {
      const s = server(f.server);
      if (!s || !f.user || !f.password) return '';
      return 'matrix://' + enc(f.user) + ':' + enc(f.password) + '@' + s.host + '/' + (f.rooms ? '?rooms=' + enc(f.rooms.replace(/\s+/g, '')) : '') +
        (s.plain ? (f.rooms ? '&' : '?') + 'disabletls=yes' : '');
    },
  },
  generic: {
    label: 'Generic JSON webhook',
    fields: [{ name: 'url', label: 'Webhook URL', hint: 'receives {"title","message"}', placeholder: 'https://hooks.example.org/alerts', type: 'password' }],
    build: (f) => {
      const s = server(f.url);
      if (!s || !/^https?:\/\//i.test(f.url)) return '';
      return 'generic://' + s.host + s.path + (s.search ? s.search + '&' : '?') + 'template=json' + (s.plain ? '&disabletls=yes' : '');
    },
  },
  url: {
    label: 'Any shoutrrr URL',
    fields: [{ name: 'url', label: 'URL', hint: 'see the README for each service', placeholder: 'ntfy://ntfy.sh/alerts', type: 'password' }],
    build: (f) => f.url || '',
  },
};

export function kindLabel(k) {
  return (kinds[k] || { label: k }).label;
}
