package grafanatest

import (
	"encoding/json"
	"fmt"
)

// Dashboard is the part of a dashboard JSON that holds SQL.
type Dashboard struct {
	UID       string
	Title     string
	Queries   []Query       // panel targets (empty SQL kept) and annotations, in document order
	Variables []VariableDef // query variables, in the order Grafana resolves them
	Sources   []SourceRef   // every datasource reference, for checking uids
}

// Query is one SQL query of a dashboard.
type Query struct {
	Where  string // e.g. `panel 3 "CPU" target A`, for test names and errors
	SQL    string
	Format string // "time_series" (the default) or "table"
}

// VariableDef is a query variable: its SQL gives the options.
type VariableDef struct {
	Name              string
	SQL               string
	Multi, IncludeAll bool
	AllValue          string
}

// SourceRef is a datasource reference and where it was found.
type SourceRef struct {
	Where string
	UID   string
}

type dsRef struct {
	UID string `json:"uid"`
}

type target struct {
	RefID      string `json:"refId"`
	RawSQL     string `json:"rawSql"`
	Format     string `json:"format"`
	Datasource *dsRef `json:"datasource"`
}

type panel struct {
	ID         int      `json:"id"`
	Title      string   `json:"title"`
	Type       string   `json:"type"`
	Datasource *dsRef   `json:"datasource"`
	Targets    []target `json:"targets"`
	Panels     []panel  `json:"panels"` // a collapsed row's panels
}

type dashboardJSON struct {
	UID         string  `json:"uid"`
	Title       string  `json:"title"`
	Panels      []panel `json:"panels"`
	Annotations struct {
		List []struct {
			Name       string `json:"name"`
			BuiltIn    int    `json:"builtIn"`
			Datasource *dsRef `json:"datasource"`
			RawQuery   string `json:"rawQuery"` // before Grafana 10
			Target     target `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
	Templating struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Datasource *dsRef          `json:"datasource"`
			Query      json.RawMessage `json:"query"` // a string, or {"rawSql": …}
			Multi      bool            `json:"multi"`
			IncludeAll bool            `json:"includeAll"`
			AllValue   string          `json:"allValue"`
		} `json:"list"`
	} `json:"templating"`
}

// ParseDashboard lists the SQL of a dashboard JSON document.
func ParseDashboard(data []byte) (Dashboard, error) {
	var dj dashboardJSON
	if err := json.Unmarshal(data, &dj); err != nil {
		return Dashboard{}, fmt.Errorf("decode dashboard: %w", err)
	}
	d := Dashboard{UID: dj.UID, Title: dj.Title}
	ref := func(where string, r *dsRef) {
		if r != nil {
			d.Sources = append(d.Sources, SourceRef{Where: where, UID: r.UID})
		}
	}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
			ref(where, p.Datasource)
			for _, t := range p.Targets {
				tw := where + " target " + t.RefID
				ref(tw, t.Datasource)
				d.Queries = append(d.Queries, Query{Where: tw, SQL: t.RawSQL, Format: t.Format})
			}
			walk(p.Panels)
		}
	}
	walk(dj.Panels)
	for _, a := range dj.Annotations.List {
		if a.BuiltIn != 0 {
			continue // Grafana's own annotations and alerts
		}
		where := fmt.Sprintf("annotation %q", a.Name)
		ref(where, a.Datasource)
		sql := a.Target.RawSQL
		if sql == "" {
			sql = a.RawQuery
		}
		if sql != "" {
			d.Queries = append(d.Queries, Query{Where: where, SQL: sql, Format: "table"})
		}
	}
	for _, v := range dj.Templating.List {
		if v.Type != "query" {
			continue
		}
		where := fmt.Sprintf("variable %q", v.Name)
		ref(where, v.Datasource)
		var sql string
		if err := json.Unmarshal(v.Query, &sql); err != nil {
			var q struct {
				RawSQL string `json:"rawSql"`
			}
			if err := json.Unmarshal(v.Query, &q); err != nil {
				return Dashboard{}, fmt.Errorf("%s: query is neither a string nor {\"rawSql\": …}: %w", where, err)
			}
			sql = q.RawSQL
		}
		d.Variables = append(d.Variables, VariableDef{Name: v.Name, SQL: sql,
			Multi: v.Multi, IncludeAll: v.IncludeAll, AllValue: v.AllValue})
	}
	return d, nil
}
