package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/monsys/monsys/client"
	"github.com/monsys/monsys/output"
)

func (c *cli) channelsCommand() *cobra.Command {
	list := func(cmd *cobra.Command, _ []string) error {
		pr, hub, err := c.connect(output.JSON, output.YAML)
		if err != nil {
			return err
		}
		l, err := hub.Channels(cmd.Context())
		if err != nil {
			return err
		}
		return pr.Print(l.JSON(), func(w io.Writer, color bool) error {
			t := output.NewTable("ID", "NAME", "KIND", "TARGET", "STATE", "ROUTING", "QUIET HOURS", "GROUP")
			t.ColorColumn("STATE", output.StateColor)
			for _, ch := range l.Items {
				t.Row(ch.ID, ch.Name, ch.Kind, ch.Target, enabledWord(ch.Enabled), routingWords(ch.Routing), quietWords(ch.QuietHours),
					(time.Duration(ch.GroupWindowS) * time.Second).String())
			}
			return c.writeList(w, t, false, color)
		})
	}
	cmd := &cobra.Command{
		Use:   "channels",
		Short: "List notification channels (e-mail, Slack, ntfy, …); add, test and remove them (admin role)",
		Args:  args(0, 0),
		RunE:  list,
	}
	listCmd := &cobra.Command{Use: "list", Short: "List notification channels", Args: args(0, 0), RunE: list}
	cmd.AddCommand(listCmd, c.channelAddCommand(), c.channelTestCommand(), c.channelRemoveCommand())
	return c.command(cmd, output.JSON, output.YAML)
}

// routingWords says what a channel gets: "critical · tags db", or "every alert".
func routingWords(r client.ChannelRouting) string {
	var parts []string
	if len(r.Severities) > 0 {
		parts = append(parts, strings.Join(r.Severities, ","))
	}
	if len(r.Sources) > 0 {
		parts = append(parts, "from "+strings.Join(r.Sources, ","))
	}
	if len(r.Tags) > 0 {
		parts = append(parts, "tags "+strings.Join(r.Tags, ","))
	}
	if len(r.Environments) > 0 {
		parts = append(parts, "in "+strings.Join(r.Environments, ","))
	}
	if len(parts) == 0 {
		return "every alert"
	}
	return strings.Join(parts, " · ")
}

func quietWords(q client.ChannelQuietHours) string {
	if q.Start == "" {
		return "-"
	}
	tz := q.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	return q.Start + "-" + q.End + " " + tz
}

func (c *cli) channelAddCommand() *cobra.Command {
	var spec client.ChannelSpec
	var quiet string
	var group time.Duration
	cmd := &cobra.Command{
		Use:   "add NAME URL",
		Short: "Add a channel from a shoutrrr URL (ntfy://ntfy.sh/topic, slack://…) or mailto:addresses; URL - reads it from stdin",
		Long: "Add a notification channel. The URL carries the service's tokens: give - to read it from stdin rather than\n" +
			"leave it in the shell's history. The hub seals it and shows only its scheme and host from then on.\n" +
			"Forms: mailto:a@x,b@y · ntfy://[user:pass@]host/topic · gotify://host/token · generic://host/path?template=json ·\n" +
			"slack://hook:T-B-X@webhook · discord://token@id · teams+https://… · telegram://token@telegram?chats=@c ·\n" +
			"pushover://shoutrrr:token@userkey/ · matrix://user:pass@host/?rooms=!room",
		Args: args(2, 2),
		RunE: func(cmd *cobra.Command, a []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			spec.Name, spec.URL = a[0], a[1]
			if spec.URL == "-" {
				line, err := bufio.NewReader(io.LimitReader(c.stdin, 4096)).ReadString('\n')
				if err != nil && !errors.Is(err, io.EOF) {
					return usagef("read the URL from stdin: %v", err)
				}
				spec.URL = strings.TrimSpace(line)
			}
			if quiet != "" {
				from, to, ok := strings.Cut(quiet, "-")
				if !ok {
					return usagef("--quiet takes HH:MM-HH:MM, e.g. 22:00-07:00")
				}
				spec.QuietHours.Start, spec.QuietHours.End = from, to
			}
			if cmd.Flags().Changed("group") {
				s := int(group / time.Second)
				spec.GroupWindowS = &s
			}
			ch, err := hub.CreateChannel(cmd.Context(), spec)
			if err != nil {
				return err
			}
			return pr.Sentence(ch.JSON(), "Added channel %s %q: %s, %s. Send a test with `monsys channels test %s`.",
				ch.ID, ch.Name, ch.Target, routingWords(ch.Routing), ch.ID)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&spec.Routing.Severities, "severity", nil, "only these severities: info, warning, critical (default all)")
	f.StringSliceVar(&spec.Routing.Sources, "source", nil, "only alerts from these sources: agent, rule, system (default all)")
	f.StringSliceVar(&spec.Routing.Tags, "tag", nil, "only agents with any of these governance tags")
	f.StringSliceVar(&spec.Routing.Environments, "environment", nil, "only agents in these environments")
	f.StringVar(&quiet, "quiet", "", "quiet hours HH:MM-HH:MM: messages wait and go out after")
	f.StringVar(&spec.QuietHours.TimeZone, "tz", "", "time zone of the quiet hours, e.g. Europe/Berlin (default UTC)")
	f.DurationVar(&group, "group", 30*time.Second, "alerts within this window of the first become one message (0 to 1h)")
	return cmd
}

// channelID resolves a channel's id or name.
func channelID(ctx context.Context, hub *client.Client, arg string) (string, error) {
	l, err := hub.Channels(ctx)
	if err != nil {
		return "", err
	}
	for _, ch := range l.Items {
		if ch.ID == arg || ch.Name == arg {
			return ch.ID, nil
		}
	}
	return "", fmt.Errorf("no notification channel %q: %w", arg, client.ErrNotFound)
}

func (c *cli) channelTestCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "test ID|NAME",
		Short: "Send a test message now; exits 1 when it was not delivered, saying why",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			pr, hub, err := c.connect(output.JSON, output.YAML)
			if err != nil {
				return err
			}
			id, err := channelID(cmd.Context(), hub, a[0])
			if err != nil {
				return err
			}
			d, err := hub.TestChannel(cmd.Context(), id)
			if err != nil {
				return err
			}
			if d.Status != "delivered" {
				if err := pr.Print(d.JSON(), func(io.Writer, bool) error { return nil }); err != nil {
					return err
				}
				return fmt.Errorf("the test message was not delivered: %s", d.LastError)
			}
			return pr.Sentence(d.JSON(), "Test message delivered to %s.", a[0])
		},
	}
}

func (c *cli) channelRemoveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "rm ID|NAME",
		Short: "Remove a channel; messages waiting for it are dropped, its log stays",
		Args:  args(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			hub, err := c.client()
			if err != nil {
				return err
			}
			id, err := channelID(cmd.Context(), hub, a[0])
			if err != nil {
				return err
			}
			if err := hub.DeleteChannel(cmd.Context(), id); err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.stdout, "Removed channel %s.\n", a[0])
			return err
		},
	}
}
