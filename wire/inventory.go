package wire

// Inventory kinds: the Kind of an InventoryPart and the element type of its
// Items array. The agent sends a kind on start, hourly, and whenever the
// hash of its items changes; the hub keeps every changed snapshot (history)
// and a pointer to the latest. KindProcesses is the exception: it is sent
// with every interval and the hub keeps only the latest, without history.
const (
	KindHost       = "host"       // one HostInfo
	KindPackages   = "packages"   // []Package
	KindSystemd    = "systemd"    // []SystemdUnit
	KindUsers      = "users"      // []User
	KindGroups     = "groups"     // []Group
	KindSudo       = "sudo"       // []SudoRule
	KindSSHKeys    = "ssh_keys"   // []SSHKey
	KindContainers = "containers" // []Container
	KindSockets    = "sockets"    // []Socket
	KindBackups    = "backups"    // []BackupJob
	KindProcesses  = "processes"  // []Process
	KindUpdates    = "updates"    // []Update
)

// HostInfo describes the machine: operating system and hardware.
type HostInfo struct {
	Hostname        string `json:"hostname"`
	OS              string `json:"os"`               // linux
	Platform        string `json:"platform"`         // debian, ubuntu, rhel, alpine …
	PlatformVersion string `json:"platform_version"` // 12.7
	KernelVersion   string `json:"kernel_version"`
	Arch            string `json:"arch"` // amd64, arm64 (GOARCH names)
	CPUModel        string `json:"cpu_model"`
	CPUCores        int    `json:"cpu_cores"` // logical CPUs
	MemoryBytes     uint64 `json:"memory_bytes"`
	Virtualization  string `json:"virtualization,omitempty"` // kvm, docker, … ("" on bare metal or unknown)
	BootTime        int64  `json:"boot_time"`                // unix seconds
	MachineID       string `json:"machine_id"`
	// Addresses are the machine's primary IP addresses: global unicast
	// addresses of interfaces that are up, container and bridge
	// interfaces left out (at most 8).
	Addresses []string `json:"addresses,omitempty"`
	// DNA are the machine's stable identifying facts, from which the hub
	// tells a reboot or a new disk from a cloned or impersonated agent.
	DNA *HostDNA `json:"dna,omitempty"`
}

// HostDNA are facts that identify one machine. Lists are sorted; a fact
// the agent could not read (DMI serials need root) is empty.
type HostDNA struct {
	ProductUUID     string   `json:"product_uuid,omitempty"`   // DMI system UUID
	ProductSerial   string   `json:"product_serial,omitempty"` // DMI system serial
	BoardSerial     string   `json:"board_serial,omitempty"`
	DiskSerials     []string `json:"disk_serials,omitempty"`  // whole disks, not partitions
	MACs            []string `json:"macs,omitempty"`          // physical network interfaces
	SSHHostKeys     []string `json:"ssh_host_keys,omitempty"` // SHA256:… fingerprints of /etc/ssh/ssh_host_*_key.pub
	BootID          string   `json:"boot_id,omitempty"`       // changes with every boot
	CloudInstanceID string   `json:"cloud_instance_id,omitempty"`
}

// Package is one installed package.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Arch    string `json:"arch,omitempty"`
	Manager string `json:"manager"` // dpkg, rpm or apk
	// Source is the source package the binary was built from (dpkg's
	// Source:, apk's origin) when it differs from Name: distributions'
	// vulnerability data names source packages.
	Source string `json:"source,omitempty"`
}

// Update is an installed package that the host's configured repositories
// offer in a newer version, read from the package manager's own metadata
// (apt lists, dnf/yum repodata, apk indexes); nothing is upgraded.
type Update struct {
	Name      string `json:"name"`
	Arch      string `json:"arch,omitempty"`
	Installed string `json:"installed"`
	Available string `json:"available"` // the newest version offered
	// Security is true when a security source offers a version newer than
	// the installed one: a -security suite (Debian, Ubuntu), or a security
	// advisory in the repository's updateinfo (dnf, yum).
	Security   bool   `json:"security"`
	Repository string `json:"repository,omitempty"` // where Available comes from
	Manager    string `json:"manager"`              // dpkg, rpm or apk
}

// SystemdUnit is one unit and its state, as systemctl list-units shows it.
type SystemdUnit struct {
	Name        string `json:"name"` // nginx.service
	Description string `json:"description,omitempty"`
	LoadState   string `json:"load_state"`   // loaded, not-found, masked
	ActiveState string `json:"active_state"` // active, inactive, failed
	SubState    string `json:"sub_state"`    // running, exited, dead
	Enabled     string `json:"enabled,omitempty"`
}

// User is one local account from /etc/passwd.
type User struct {
	Name   string   `json:"name"`
	UID    int      `json:"uid"`
	GID    int      `json:"gid"`
	Home   string   `json:"home"`
	Shell  string   `json:"shell"`
	Groups []string `json:"groups,omitempty"` // supplementary groups
	System bool     `json:"system"`           // uid below the distribution's UID_MIN
	Locked bool     `json:"locked"`           // password field locked or no login shell
}

// Group is one local group from /etc/group.
type Group struct {
	Name    string   `json:"name"`
	GID     int      `json:"gid"`
	Members []string `json:"members,omitempty"`
}

// SudoRule is one user specification from sudoers or sudoers.d.
type SudoRule struct {
	Principal string   `json:"principal"` // user, %group or alias as written
	Hosts     []string `json:"hosts"`
	RunAs     string   `json:"run_as,omitempty"`
	Commands  []string `json:"commands"`
	NoPasswd  bool     `json:"nopasswd"`
	Source    string   `json:"source"` // file and line, e.g. /etc/sudoers.d/ops:3
}

// SSHKey is one authorized key. The key material itself is never sent:
// the fingerprint identifies it.
type SSHKey struct {
	User        string `json:"user"`
	Type        string `json:"type"`        // ssh-ed25519, ssh-rsa …
	Fingerprint string `json:"fingerprint"` // SHA256:base64, as ssh-keygen -l prints
	Bits        int    `json:"bits,omitempty"`
	Comment     string `json:"comment,omitempty"`
	Options     string `json:"options,omitempty"` // from="…",command="…" as written
	File        string `json:"file"`
}

// Container is one container from the Docker Engine API.
type Container struct {
	ID      string   `json:"id"` // full id
	Name    string   `json:"name"`
	Image   string   `json:"image"`
	State   string   `json:"state"`  // running, exited …
	Status  string   `json:"status"` // "Up 3 hours"
	Created int64    `json:"created"`
	Ports   []string `json:"ports,omitempty"` // "0.0.0.0:8080->80/tcp"
}

// Socket is a listening socket or an established connection, for topology.
type Socket struct {
	Proto      string `json:"proto"` // tcp, tcp6, udp, udp6
	State      string `json:"state"` // LISTEN, ESTABLISHED
	LocalAddr  string `json:"local_addr"`
	LocalPort  int    `json:"local_port"`
	RemoteAddr string `json:"remote_addr,omitempty"`
	RemotePort int    `json:"remote_port,omitempty"`
	PID        int    `json:"pid,omitempty"`
	Process    string `json:"process,omitempty"`
}

// BackupJob is a backup tool's job found on the machine, with its last run
// where that can be read.
type BackupJob struct {
	Tool       string `json:"tool"` // restic, borg, rsnapshot, pgbackrest
	Name       string `json:"name"` // job, unit or cron line that identifies it
	Schedule   string `json:"schedule,omitempty"`
	Source     string `json:"source"` // cron, systemd-timer, config
	Repository string `json:"repository,omitempty"`
	LastRunAt  int64  `json:"last_run_at,omitempty"` // unix seconds, 0 when unknown
	LastStatus string `json:"last_status,omitempty"` // ok, failed, unknown
}

// Process is one of the top processes by CPU or memory at collection time.
type Process struct {
	PID        int     `json:"pid"`
	Name       string  `json:"name"`
	User       string  `json:"user,omitempty"`
	Cmdline    string  `json:"cmdline,omitempty"` // truncated to 256 bytes
	CPURatio   float64 `json:"cpu_ratio"`         // share of one core over the interval, 0..cores
	RSSBytes   uint64  `json:"rss_bytes"`
	StartedAt  int64   `json:"started_at,omitempty"` // unix seconds
	NumThreads int     `json:"num_threads,omitempty"`
}
