// Package cliconfig keeps the command line's hubs and credentials: named
// contexts (a hub URL and an API key each, kubectl style) and which one is
// current, in one JSON file.
//
// The file lives at MONSYS_CONFIG, or monsys/config.json under the user's
// configuration directory ($XDG_CONFIG_HOME, ~/.config, ~/Library/Application
// Support, %AppData%). It holds secrets: Save writes it 0600 in a 0700
// directory, through a temporary file renamed over the old one so a crash
// never leaves half a file, and Load refuses a file other users can read,
// as ssh does with keys.
//
// A File is a plain value: load it, change it, save it. Two commands
// saving at once keep the last one's file.
package cliconfig
