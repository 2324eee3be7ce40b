package web

// page is one screen of the dashboard: where it is served, which template
// draws its frame, and which script module (the same name, data-page on
// <body>) fills it from the API.
type page struct {
	Pattern string // net/http pattern, GET
	Name    string // template file templates/<Name>.html and the script module
	Title   string
	Chrome  bool   // with the navigation bar; the sign-in pages have none
	Section string // the navigation entry shown as current
	// Terminal pages run xterm.js or asciinema-player and get
	// terminalSecurityPolicy (headers.go).
	Terminal bool
	// InlineStyle allows inline style on the page (never inline script):
	// Mermaid draws its diagrams as SVG with a <style> element and style
	// attributes, and lays them out in the live document.
	InlineStyle bool
}

// pages is every page the hub serves. A new feature adds its row here, its
// template under templates/ and its module under ui/src/pages/ (registered
// in ui/src/main.js).
var pages = []page{
	{Pattern: "/login", Name: "login", Title: "Sign in"},
	{Pattern: "/forgot-password", Name: "forgot", Title: "Forgot password"},
	{Pattern: "/reset-password", Name: "reset", Title: "Choose a new password"},
	{Pattern: "/accept-invite", Name: "invite", Title: "Accept invitation"},

	{Pattern: "/{$}", Name: "fleet", Title: "Fleet", Chrome: true, Section: "fleet"},
	{Pattern: "/hosts/{id}", Name: "host", Title: "Host", Chrome: true, Section: "fleet"},
	{Pattern: "/hosts/{id}/console", Name: "console", Title: "Emergency console", Chrome: true, Section: "consoles", Terminal: true},
	{Pattern: "/consoles", Name: "consoles", Title: "Console sessions", Chrome: true, Section: "consoles", Terminal: true},
	{Pattern: "/alerts", Name: "alerts", Title: "Alerts", Chrome: true, Section: "alerts"},
	{Pattern: "/alert-rules", Name: "rules", Title: "Alert rules", Chrome: true, Section: "rules"},
	{Pattern: "/inventory", Name: "inventory", Title: "Inventory search", Chrome: true, Section: "inventory"},
	{Pattern: "/vulnerabilities", Name: "vulns", Title: "Vulnerabilities", Chrome: true, Section: "vulns"},
	{Pattern: "/topology", Name: "topology", Title: "Topology", Chrome: true, Section: "topology", InlineStyle: true},
	{Pattern: "/webhooks", Name: "webhooks", Title: "Webhooks", Chrome: true, Section: "webhooks"},
	{Pattern: "/notifications", Name: "notifications", Title: "Notifications", Chrome: true, Section: "notifications"},
	{Pattern: "/settings/people", Name: "people", Title: "People", Chrome: true, Section: "people"},
	{Pattern: "/settings/api-keys", Name: "apikeys", Title: "API keys", Chrome: true, Section: "apikeys"},
	{Pattern: "/settings/enrollment", Name: "enrollment", Title: "Enroll agents", Chrome: true, Section: "enrollment"},
	{Pattern: "/security", Name: "security", Title: "Security", Chrome: true, Section: "security"},
	{Pattern: "/audit", Name: "audit", Title: "Audit log", Chrome: true, Section: "audit"},
	{Pattern: "/account", Name: "account", Title: "Your account", Chrome: true, Section: "account"},
}

// navItem is one link of the navigation bar. MinRole hides it from people
// below that role (the API refuses them anyway): the browser learns the
// role from GET /api/v1/auth/session and the stylesheet hides the rest.
type navItem struct {
	Key, Href, Label, MinRole string
	// Settings items (channels, webhooks, people, keys, enrollment, the
	// audit log) are grouped under one "Settings" entry, so the bar holds
	// what people look at every day on one line.
	Settings bool
}

var navigation = []navItem{
	{Key: "fleet", Href: "/", Label: "Fleet"},
	{Key: "alerts", Href: "/alerts", Label: "Alerts"},
	{Key: "rules", Href: "/alert-rules", Label: "Rules"},
	{Key: "inventory", Href: "/inventory", Label: "Inventory"},
	{Key: "vulns", Href: "/vulnerabilities", Label: "Vulnerabilities"},
	{Key: "topology", Href: "/topology", Label: "Topology"},
	{Key: "security", Href: "/security", Label: "Security"},
	{Key: "consoles", Href: "/consoles", Label: "Consoles", MinRole: "admin"},
	{Key: "people", Href: "/settings/people", Label: "People", Settings: true},
	{Key: "apikeys", Href: "/settings/api-keys", Label: "API keys", Settings: true},
	{Key: "enrollment", Href: "/settings/enrollment", Label: "Enroll agents", MinRole: "admin", Settings: true},
	{Key: "notifications", Href: "/notifications", Label: "Notifications", MinRole: "admin", Settings: true},
	{Key: "webhooks", Href: "/webhooks", Label: "Webhooks", MinRole: "admin", Settings: true},
	{Key: "audit", Href: "/audit", Label: "Audit log", MinRole: "admin", Settings: true},
}
