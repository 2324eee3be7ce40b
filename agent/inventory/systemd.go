package inventory

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/monsys/monsys/wire"
)

// collectSystemd asks systemctl for every unit systemd has loaded and the
// enablement state of every unit file. It needs the live host: the unit
// states exist only in the running manager.
func collectSystemd(ctx context.Context, src Source) (any, error) {
	if _, err := os.Stat(src.path("/run/systemd/system")); err != nil || !src.live() {
		return []wire.SystemdUnit{}, fmt.Errorf("systemd is not the init system: %w", errNotPresent)
	}
	units, err := command(ctx, "systemctl", "list-units", "--all", "--no-legend", "--plain", "--no-pager")
	if err != nil {
		return []wire.SystemdUnit{}, fmt.Errorf("systemctl list-units: %w", err)
	}
	files, err := command(ctx, "systemctl", "list-unit-files", "--no-legend", "--plain", "--no-pager")
	if err != nil {
		return parseListUnits(string(units), nil), fmt.Errorf("systemctl list-unit-files: %w", err)
	}
	return parseListUnits(string(units), parseUnitFiles(string(files))), nil
}

// parseListUnits reads `systemctl list-units --all --plain --no-legend`:
// UNIT LOAD ACTIVE SUB DESCRIPTION…, with a leading "●" on failed units
// in some versions.
func parseListUnits(out string, enabled map[string]string) []wire.SystemdUnit {
	var units []wire.SystemdUnit
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "●"))
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		u := wire.SystemdUnit{Name: f[0], LoadState: f[1], ActiveState: f[2], SubState: f[3], Enabled: enabled[f[0]]}
		if len(f) > 4 {
			u.Description = strings.Join(f[4:], " ")
		}
		units = append(units, u)
	}
	return units
}

// parseUnitFiles reads `systemctl list-unit-files --plain --no-legend`:
// UNIT STATE [PRESET].
func parseUnitFiles(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			m[f[0]] = f[1]
		}
	}
	return m
}
