package vuln

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ImportResult says what an import did.
type ImportResult struct {
	Files      int   `json:"files"`
	Records    int   `json:"records"`
	Changed    int   `json:"changed"`   // new or modified records written
	Unchanged  int   `json:"unchanged"` // same id and modified: skipped
	Generation int64 `json:"generation"`
}

// ImportError names the file and the record an import refused.
type ImportError struct {
	File   string
	Record string // the record's id, or "#N" (its position) when it has none
	Err    error
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("refused %s, record %s: %v (nothing was imported; the data imported before stays)", e.File, e.Record, e.Err)
}

func (e *ImportError) Unwrap() error { return e.Err }

// maxFileSize bounds one JSON file of an export (the largest OSV records
// are a few MB).
const maxFileSize = 64 << 20

type fileRecord struct {
	file string
	rec  Record
}

// ReadRecords reads every *.json record under path: a directory (walked),
// a .zip of records (osv.dev's per-ecosystem all.zip), or one file. A
// file may hold one record or an array of them. The first file that does
// not parse fails the whole read with an *ImportError.
func ReadRecords(path string) ([]fileRecord, int, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read OSV data: %w", err)
	}
	var out []fileRecord
	files := 0
	add := func(name string, data []byte) error {
		files++
		recs, err := decodeFile(name, data)
		out = append(out, recs...)
		return err
	}
	switch {
	case st.IsDir():
		var names []string
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".zip")) {
				names = append(names, p)
			}
			return nil
		})
		if err != nil {
			return nil, 0, fmt.Errorf("walk %s: %w", path, err)
		}
		sort.Strings(names)
		for _, n := range names {
			if strings.HasSuffix(n, ".zip") {
				recs, nf, err := readZip(n)
				files += nf
				out = append(out, recs...)
				if err != nil {
					return nil, files, err
				}
				continue
			}
			data, err := readBounded(n)
			if err != nil {
				return nil, files, err
			}
			if err := add(n, data); err != nil {
				return nil, files, err
			}
		}
	case strings.HasSuffix(path, ".zip"):
		recs, nf, err := readZip(path)
		return recs, nf, err
	default:
		data, err := readBounded(path)
		if err != nil {
			return nil, 0, err
		}
		if err := add(path, data); err != nil {
			return nil, files, err
		}
	}
	return out, files, nil
}

func readBounded(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read OSV data: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxFileSize {
		return nil, &ImportError{File: name, Record: "#1", Err: fmt.Errorf("%w: file larger than %d MiB", ErrInvalidRecord, maxFileSize>>20)}
	}
	return data, nil
}

func readZip(path string) ([]fileRecord, int, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, 0, &ImportError{File: path, Record: "#1", Err: fmt.Errorf("%w: %w", ErrInvalidRecord, err)}
	}
	defer zr.Close()
	var out []fileRecord
	files := 0
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || !strings.HasSuffix(zf.Name, ".json") {
			continue
		}
		name := path + ":" + zf.Name
		if zf.UncompressedSize64 > maxFileSize {
			return nil, files, &ImportError{File: name, Record: "#1", Err: fmt.Errorf("%w: larger than %d MiB", ErrInvalidRecord, maxFileSize>>20)}
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, files, &ImportError{File: name, Record: "#1", Err: fmt.Errorf("%w: %w", ErrInvalidRecord, err)}
		}
		data, err := io.ReadAll(io.LimitReader(rc, maxFileSize+1))
		_ = rc.Close() // read-only
		if err != nil {
			return nil, files, &ImportError{File: name, Record: "#1", Err: fmt.Errorf("%w: %w", ErrInvalidRecord, err)}
		}
		files++
		recs, err := decodeFile(name, data)
		if err != nil {
			return nil, files, err
		}
		out = append(out, recs...)
	}
	return out, files, nil
}

// decodeFile decodes one file: a record, or an array of records.
func decodeFile(name string, data []byte) ([]fileRecord, error) {
	trimmed := bytes.TrimSpace(data)
	raws := []json.RawMessage{trimmed}
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, &ImportError{File: name, Record: "#1", Err: fmt.Errorf("%w: %w", ErrInvalidRecord, err)}
		}
	}
	out := make([]fileRecord, 0, len(raws))
	for i, raw := range raws {
		r, err := DecodeRecord(raw)
		if err != nil {
			return nil, &ImportError{File: name, Record: recordName(raw, i), Err: err}
		}
		out = append(out, fileRecord{file: name, rec: r})
	}
	return out, nil
}

// recordName is the id a broken record claims, or its position.
func recordName(raw []byte, i int) string {
	var head struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &head) == nil && head.ID != "" && len(head.ID) <= maxIDLen {
		return head.ID
	}
	return fmt.Sprintf("#%d", i+1)
}

// importLockSQL serialises imports (the CLI and the directory watcher).
const importLockSQL = `SELECT pg_advisory_xact_lock(hashtext('monsys.vuln.import'))`

const knownRecordsSQL = `SELECT id, modified FROM vuln_records`

const deleteRecordsSQL = `DELETE FROM vuln_records WHERE id = ANY($1)`

const bumpGenerationSQL = `UPDATE vuln_data SET generation = generation + 1, changed_at = now() RETURNING generation`

const generationSQL = `SELECT generation FROM vuln_data`

// Import reads the OSV records under path and writes the new and changed
// ones in one transaction: a record whose id and modified are already
// stored is skipped, and a file that does not parse refuses the whole
// import, naming the file and the record, with nothing written.
func (s *Service) Import(ctx context.Context, path string) (ImportResult, error) {
	recs, files, err := ReadRecords(path)
	res := ImportResult{Files: files}
	if err != nil {
		return res, err
	}
	if len(recs) == 0 {
		return res, fmt.Errorf("import %s: %w", path, ErrNoData)
	}
	res.Records = len(recs)
	latest := map[string]fileRecord{} // an id twice: the latest modified wins
	for _, fr := range recs {
		if old, ok := latest[fr.rec.ID]; !ok || fr.rec.Modified.After(old.rec.Modified) {
			latest[fr.rec.ID] = fr
		}
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, importLockSQL); err != nil {
			return fmt.Errorf("lock vulnerability import: %w", err)
		}
		known := map[string]time.Time{}
		rows, _ := tx.Query(ctx, knownRecordsSQL)
		var id string
		var mod time.Time
		if _, err := pgx.ForEachRow(rows, []any{&id, &mod}, func() error { known[id] = mod; return nil }); err != nil {
			return fmt.Errorf("read imported records: %w", err)
		}
		var changed []fileRecord
		for id, fr := range latest {
			if m, ok := known[id]; ok && m.Equal(fr.rec.Modified) {
				res.Unchanged++
				continue
			}
			changed = append(changed, fr)
		}
		res.Changed = len(changed)
		if len(changed) == 0 {
			return tx.QueryRow(ctx, generationSQL).Scan(&res.Generation)
		}
		sort.Slice(changed, func(i, j int) bool { return changed[i].rec.ID < changed[j].rec.ID })
		if err := writeRecords(ctx, tx, changed); err != nil {
			return err
		}
		return tx.QueryRow(ctx, bumpGenerationSQL).Scan(&res.Generation)
	})
	if err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	s.log.Info("vulnerability data imported", "path", path, "files", res.Files, "records", res.Records,
		"changed", res.Changed, "unchanged", res.Unchanged, "generation", res.Generation)
	return res, nil
}

func writeRecords(ctx context.Context, tx pgx.Tx, changed []fileRecord) error {
	ids := make([]string, len(changed))
	recRows := make([][]any, len(changed))
	var affRows [][]any
	for i, fr := range changed {
		r := fr.rec
		ids[i] = r.ID
		aliases := r.Aliases
		if aliases == nil {
			aliases = []string{}
		}
		recRows[i] = []any{r.ID, r.Modified, r.Published, r.CVE, r.Summary, r.Severity, r.CVSSScore, r.CVSSVector,
			aliases, r.Withdrawn, fr.file}
		for _, a := range r.Affected {
			events, err := json.Marshal(a.Ranges)
			if err != nil {
				return fmt.Errorf("encode ranges of %s: %w", r.ID, err)
			}
			versions := a.Versions
			if versions == nil {
				versions = []string{}
			}
			affRows = append(affRows, []any{r.ID, a.Ecosystem, a.Package, events, versions})
		}
	}
	if _, err := tx.Exec(ctx, deleteRecordsSQL, ids); err != nil {
		return fmt.Errorf("replace changed records: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"vuln_records"},
		[]string{"id", "modified", "published", "cve", "summary", "severity", "cvss_score", "cvss_vector", "aliases", "withdrawn", "source_file"},
		pgx.CopyFromRows(recRows)); err != nil {
		return fmt.Errorf("copy records: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"vuln_affected"},
		[]string{"record_id", "ecosystem", "package", "events", "versions"}, pgx.CopyFromRows(affRows)); err != nil {
		return fmt.Errorf("copy affected packages: %w", err)
	}
	return nil
}
