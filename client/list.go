package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// maxPage is the largest page the API serves.
const maxPage = 500

// walk requests a listing route's pages until the last or until limit
// items (0: no limit), handing each answer to onPage, which says how many
// items the page held and its next_cursor. more reports that the hub holds
// items past the limit.
func (c *Client) walk(ctx context.Context, path string, q url.Values, limit int,
	onPage func(answer []byte) (items int, next string, err error)) (more bool, err error) {
	q = cloneValues(q)
	seen := 0
	for {
		size := c.pageSize
		if limit > 0 {
			size = min(c.pageSize, limit-seen)
		}
		if size == 0 {
			// At the limit: one item more tells whether anything was left out.
			q.Set("limit", "1")
			var pg rawPage
			if err := c.get(ctx, path, q, &pg); err != nil {
				return false, err
			}
			return len(pg.Items) > 0, nil
		}
		q.Set("limit", strconv.Itoa(size))
		b, _, err := c.call(ctx, "GET", path, q, nil)
		if err != nil {
			return false, err
		}
		n, next, err := onPage(b)
		if err != nil {
			return false, err
		}
		seen += n
		if next == "" || n == 0 {
			return false, nil
		}
		q.Set("cursor", next)
	}
}

// listAll walks a listing route's pages into one List.
func listAll[T any, P interface {
	*T
	keeper
}](ctx context.Context, c *Client, path string, q url.Values, limit int) (List[T], error) {
	var l List[T]
	more, err := c.walk(ctx, path, q, limit, func(b []byte) (int, string, error) {
		var pg rawPage
		if err := decode(b, &pg, "GET "+path); err != nil {
			return 0, "", err
		}
		return len(pg.Items), pg.NextCursor, appendItems[T, P](&l, pg.Items, "GET "+path)
	})
	l.More = more
	return l, err
}

// rawPage is the shape of every list answer, its items left undecoded.
type rawPage struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor string            `json:"next_cursor"`
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// setIf adds name=value to q when value is not empty.
func setIf(q url.Values, name, value string) {
	if value != "" {
		q.Set(name, value)
	}
}
