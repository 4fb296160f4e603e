package readmodel

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// ListParams filters and pages a List. Empty filters match everything.
type ListParams struct {
	UsernamePrefix string
	EmailPrefix    string
	Status         string // "", "active" or "deleted"
	Role           string // "", "admin", "auditor", "service" or "user"
	PageSize       int    // 0 → DefaultPageSize; above MaxPageSize → MaxPageSize
	PageToken      string // from a previous Page; "" for the first page
}

// Page is one page of a List, in (username, id) order.
type Page struct {
	Users         []User
	NextPageToken string // "" when this is the last page
}

// cursor is what a page token carries: the last row's key and a fingerprint of
// the filters it was made for.
type cursor struct {
	Username string `json:"u"`
	ID       string `json:"i"`
	Filters  uint64 `json:"f"`
}

func (p ListParams) validate() (int, error) {
	switch p.Status {
	case "", StatusActive, StatusDeleted:
	default:
		return 0, fmt.Errorf("%w: status must be %q or %q", ErrInvalidArgument, StatusActive, StatusDeleted)
	}
	switch p.Role {
	case "", RoleAdmin, RoleAuditor, RoleService, RoleUser:
	default:
		return 0, fmt.Errorf("%w: role must be %q, %q, %q or %q", ErrInvalidArgument, RoleAdmin, RoleAuditor, RoleService, RoleUser)
	}
	switch {
	case p.PageSize < 0:
		return 0, fmt.Errorf("%w: page_size must not be negative", ErrInvalidArgument)
	case p.PageSize == 0:
		return DefaultPageSize, nil
	case p.PageSize > MaxPageSize:
		return MaxPageSize, nil
	}
	return p.PageSize, nil
}

func (p ListParams) fingerprint() uint64 {
	h := fnv.New64a()
	for _, s := range []string{p.UsernamePrefix, p.EmailPrefix, p.Status, p.Role} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(token string, fingerprint uint64) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || json.Unmarshal(b, &c) != nil || !isUUID(c.ID) {
		return cursor{}, fmt.Errorf("%w: corrupt", ErrInvalidPageToken)
	}
	if c.Filters != fingerprint {
		return cursor{}, fmt.Errorf("%w: made for other filters", ErrInvalidPageToken)
	}
	return c, nil
}

// likePrefix escapes LIKE's wildcards so a prefix matches literally.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// listQuery builds the SQL with only the conditions in use, so the planner
// sees plain prefix and keyset predicates on the (username, id) index.
func listQuery(table string, p ListParams, after *cursor, limit int) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if p.UsernamePrefix != "" {
		add(`username LIKE ?`, likePrefix(p.UsernamePrefix))
	}
	if p.EmailPrefix != "" {
		add(`email LIKE ?`, likePrefix(p.EmailPrefix))
	}
	if p.Status != "" {
		add(`status = ?`, p.Status)
	} else {
		add(`status <> ?`, StatusForgotten)
	}
	if p.Role != "" {
		add(`role = ?`, p.Role)
	}
	if after != nil {
		args = append(args, after.Username, after.ID)
		n := len(args)
		where = append(where, fmt.Sprintf(`(username, id) > ($%d, $%d::uuid)`, n-1, n))
	}
	q := `SELECT ` + userColumns + ` FROM ` + table
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	return q + ` ORDER BY username, id LIMIT $` + strconv.Itoa(len(args)), args
}

// List returns one page of users matching p.
func (s *Store) List(ctx context.Context, p ListParams) (Page, error) {
	size, err := p.validate()
	if err != nil {
		return Page{}, err
	}
	fp := p.fingerprint()
	var after *cursor
	if p.PageToken != "" {
		c, err := decodeCursor(p.PageToken, fp)
		if err != nil {
			return Page{}, err
		}
		after = &c
	}
	var users []User
	err = s.withTable(ctx, func(table string) error {
		q, args := listQuery(table, p, after, size+1) // one more tells whether a next page exists
		rows, err := s.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		users, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
		return err
	})
	if err != nil {
		return Page{}, fmt.Errorf("readmodel: list: %w", err)
	}
	page := Page{Users: users}
	if len(users) > size {
		page.Users = users[:size]
		last := page.Users[size-1]
		page.NextPageToken = encodeCursor(cursor{Username: last.Username, ID: last.ID, Filters: fp})
	}
	return page, nil
}
