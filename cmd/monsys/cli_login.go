package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/monsys/monsys/cliconfig"
	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

func (c *cli) loginCommand() *cobra.Command {
	var hub, name, email, apiKey string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "login --hub URL",
		Short: "Sign in to a hub and store the credential as a context",
		Long: "Sign in with email, password and (when the account has it) a TOTP or recovery code. The hub gives\n" +
			"this machine an API key of your role, valid for --ttl, which is stored 0600 in the configuration\n" +
			"(MONSYS_CONFIG, or monsys/config.json under your configuration directory); logout revokes it.\n" +
			"With --api-key (or MONSYS_API_KEY) that key is checked and stored instead.\n" +
			"Prompts read the terminal, or one line each from standard input when it is not a terminal.",
		Args: args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, f, err := c.config()
			if err != nil {
				return err
			}
			if hub == "" { // sign in again where we were, under the same name
				if curName, cur, err := f.Select(firstSet(name, c.env("MONSYS_CONTEXT"))); err == nil {
					hub, name = cur.Hub, curName
				}
			}
			if hub == "" {
				return usagef("which hub? monsys login --hub https://monsys.example.com")
			}
			u, err := client.ParseHubURL(hub)
			if err != nil {
				return usageErr(err)
			}
			hub = u.String()
			if name == "" {
				name = cliconfig.NameFor(hub)
			}
			anon, err := c.clientFor(hub, "")
			if err != nil {
				return err
			}
			if err := anon.Health(cmd.Context()); err != nil {
				return err
			}
			var stored cliconfig.Context
			if key := firstSet(apiKey, c.env("MONSYS_API_KEY")); key != "" {
				stored, err = c.checkKey(cmd, hub, key)
			} else {
				stored, err = c.signIn(cmd, anon, email, ttl)
			}
			if err != nil {
				return signInError{err}
			}
			if old, ok := f.Contexts[name]; ok && old.APIKeyID != "" && old.Hub == hub {
				c.revokeReplaced(cmd, stored, old)
			}
			f.Contexts[name], f.Current = stored, name
			if err := cliconfig.Save(path, f); err != nil {
				return err
			}
			who := "an API key"
			if stored.User != "" {
				who = stored.User
			}
			fmt.Fprintf(c.stdout, "Signed in to %s as %s (%s in tenant %s). Context %q is current.\n",
				hub, who, firstSet(stored.Role, "role unknown"), stored.Tenant, name)
			if stored.ExpiresAt != nil {
				fmt.Fprintf(c.stdout, "The credential expires %s; `monsys logout` revokes it sooner.\n", output.Timestamp(*stored.ExpiresAt))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&hub, "hub", "", "the hub's URL, e.g. https://monsys.example.com (default: the current context's)")
	cmd.Flags().StringVar(&name, "context", "", "name to store the hub under (default: its host and port)")
	cmd.Flags().StringVar(&email, "email", "", "email to sign in with (prompted when not given)")
	cmd.Flags().StringVar(&apiKey, "api-key", "", "store this API key (msk_…) instead of signing in; MONSYS_API_KEY keeps it out of ps and shell history")
	cmd.Flags().DurationVar(&ttl, "ttl", 30*24*time.Hour, "lifetime of the API key the hub issues to this machine")
	cmd.GroupID = clientGroup
	return cmd
}

// signIn logs in with a password (and TOTP), has the hub issue an API key
// for this machine, and ends the session.
func (c *cli) signIn(cmd *cobra.Command, anon *client.Client, email string, ttl time.Duration) (cliconfig.Context, error) {
	if ttl < time.Minute {
		return cliconfig.Context{}, usagef("--ttl %s is too short for a credential", ttl)
	}
	ctx := cmd.Context()
	p := newPrompter(c.stdin, c.stderr)
	var err error
	if email == "" {
		if email, err = p.line("Email: "); err != nil {
			return cliconfig.Context{}, err
		}
	}
	password, err := p.secret("Password: ")
	if err != nil {
		return cliconfig.Context{}, err
	}
	sess, login, err := anon.Login(ctx, email, password)
	if err != nil {
		return cliconfig.Context{}, err
	}
	if login.TOTPRequired {
		code, err := p.secret("TOTP code (or a recovery code): ")
		if err != nil {
			return cliconfig.Context{}, err
		}
		if sess, login, err = anon.FinishTOTP(ctx, login.Challenge, code); err != nil {
			return cliconfig.Context{}, err
		}
	}
	host, _ := os.Hostname() // only names the key; empty is fine
	expires := c.now().Add(ttl).UTC()
	key, err := sess.CreateAPIKey(ctx, client.NewAPIKey{Name: "monsys CLI " + firstSet(host, "(unknown host)"), ExpiresAt: &expires})
	if logoutErr := sess.Logout(ctx); logoutErr != nil && err == nil {
		fmt.Fprintln(c.stderr, "monsys: the sign-in session could not be ended (it expires by itself):", logoutErr)
	}
	if err != nil {
		return cliconfig.Context{}, fmt.Errorf("have the hub issue an API key: %w", err)
	}
	return cliconfig.Context{Hub: anon.URL(), APIKey: key.Key, APIKeyID: key.ID, ExpiresAt: key.ExpiresAt,
		User: login.User.Email, Tenant: login.Tenant.Slug, Role: key.Role}, nil
}

// checkKey stores a key the user brought after the hub accepted it.
func (c *cli) checkKey(cmd *cobra.Command, hub, key string) (cliconfig.Context, error) {
	kc, err := c.clientFor(hub, key)
	if err != nil {
		return cliconfig.Context{}, err
	}
	tenants, err := kc.Tenants(cmd.Context())
	if err != nil {
		return cliconfig.Context{}, err
	}
	stored := cliconfig.Context{Hub: hub, APIKey: key}
	for _, t := range tenants.Items {
		if t.Current {
			stored.Tenant = t.Slug
		}
	}
	return stored, nil
}

// revokeReplaced revokes the key an earlier login issued for the same
// context, now that a new one replaces it; failing that, it only warns.
func (c *cli) revokeReplaced(cmd *cobra.Command, now, old cliconfig.Context) {
	kc, err := c.clientFor(now.Hub, now.APIKey)
	if err == nil {
		err = kc.RevokeAPIKey(cmd.Context(), old.APIKeyID)
	}
	if err != nil && !errors.Is(err, client.ErrNotFound) {
		fmt.Fprintf(c.stderr, "monsys: the previous API key %s of this context was not revoked: %v\n", old.APIKeyID, err)
	}
}

func (c *cli) logoutCommand() *cobra.Command {
	var forget bool
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Revoke the context's API key at the hub (if login issued it) and forget the context",
		Args:  args(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, f, err := c.config()
			if err != nil {
				return err
			}
			name, stored, err := f.Select(firstSet(c.context, c.env("MONSYS_CONTEXT")))
			if err != nil {
				return err
			}
			if stored.APIKeyID != "" && !forget {
				kc, err := c.clientFor(stored.Hub, stored.APIKey)
				if err == nil {
					err = kc.RevokeAPIKey(cmd.Context(), stored.APIKeyID)
				}
				// Refused or gone: the key no longer works anyway.
				if err != nil && !errors.Is(err, client.ErrUnauthorized) && !errors.Is(err, client.ErrNotFound) {
					return fmt.Errorf("revoke the API key of context %q (still stored; --forget drops it without revoking): %w", name, err)
				}
			}
			delete(f.Contexts, name)
			if f.Current == name {
				f.Current = ""
			}
			if err := cliconfig.Save(path, f); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Signed out of %s; context %q removed.\n", stored.Hub, name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&forget, "forget", false, "only forget the context, without revoking its key at the hub")
	return c.command(cmd)
}

func (c *cli) contextCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "context",
		Short: "List the stored hubs (contexts); * marks the current one",
		Args:  args(0, 0),
		RunE: func(*cobra.Command, []string) error {
			_, f, err := c.config()
			if err != nil {
				return err
			}
			t := output.NewTable("CURRENT", "NAME", "HUB", "USER", "TENANT", "ROLE", "EXPIRES")
			for _, n := range f.Names() {
				x := f.Contexts[n]
				cur, expires := "", ""
				if n == f.Current {
					cur = "*"
				}
				if x.ExpiresAt != nil {
					expires = output.Timestamp(*x.ExpiresAt)
				}
				t.Row(cur, n, x.Hub, x.User, x.Tenant, x.Role, expires)
			}
			return t.Write(c.stdout, false)
		},
	}
	use := &cobra.Command{
		Use:   "use NAME",
		Short: "Make a stored context the current one",
		Args:  args(1, 1),
		RunE: func(_ *cobra.Command, a []string) error {
			path, f, err := c.config()
			if err != nil {
				return err
			}
			if _, _, err := f.Select(a[0]); err != nil {
				return usageErr(err)
			}
			f.Current = a[0]
			if err := cliconfig.Save(path, f); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Context %q is current.\n", a[0])
			return nil
		},
	}
	cmd.AddCommand(use)
	cmd.GroupID = clientGroup
	return cmd
}

// prompter asks for input on a terminal without echoing secrets, or reads
// one line per answer from a non-terminal standard input (scripts, tests).
type prompter struct {
	in    io.Reader
	lines *bufio.Reader
	out   io.Writer
}

func newPrompter(in io.Reader, out io.Writer) *prompter {
	return &prompter{in: in, lines: bufio.NewReader(in), out: out}
}

func (p *prompter) line(prompt string) (string, error) {
	if f, ok := p.in.(*os.File); ok && isTerminal(f) {
		fmt.Fprint(p.out, prompt) // a script feeding stdin needs no prompts
	}
	s, err := p.lines.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		return "", usagef("%sno answer on standard input", strings.TrimSuffix(prompt, " "))
	}
	return strings.TrimRight(s, "\r\n"), nil
}

func (p *prompter) secret(prompt string) (string, error) {
	f, ok := p.in.(*os.File)
	if !ok || !isTerminal(f) {
		return p.line(prompt)
	}
	fmt.Fprint(p.out, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(p.out)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", strings.TrimSuffix(prompt, ": "), err)
	}
	return string(b), nil
}
