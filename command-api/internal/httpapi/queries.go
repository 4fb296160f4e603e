package httpapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/metrics"
	"github.com/recall-events/recall/readmodel"
)

// ReadModel is what the query routes need of the projector's read-model store
// (*readmodel.Store): GET /v1/users and GET /v1/users/{id} read it, never the event store.
type ReadModel interface {
	Get(ctx context.Context, id string) (readmodel.User, error)
	List(ctx context.Context, p readmodel.ListParams) (readmodel.Page, error)
	// Watch registers a read-your-writes wait before the row is read, so a change
	// committed between the read and the wait is not missed.
	Watch(id string, minRevision int64) (*readmodel.Watch, error)
}

// Read-your-writes waits: capped at 10 s (README, HTTP reference); 2 s when min_revision comes alone.
const (
	DefaultReadWait = 2 * time.Second
	MaxReadWait     = 10 * time.Second
)

// HeaderProjectionRevision names the stream revision the read model answered from; on a
// lagging 503 it is the revision seen (absent when the projection has no row yet).
const HeaderProjectionRevision = "Recall-Projection-Revision"

// retryLagging is the Retry-After of a projection-lagging 503: projections apply within
// milliseconds when healthy, so a second is a long time already.
const retryLagging = "1"

type userView struct {
	ID        string     `json:"id"`
	Username  string     `json:"username"`
	Email     string     `json:"email"`
	FirstName string     `json:"first_name"`
	LastName  string     `json:"last_name"`
	Role      string     `json:"role"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
	Revision  int64      `json:"revision"`
}

func viewOf(u readmodel.User) userView {
	v := userView{ID: u.ID, Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		Role: u.Role, Status: u.Status, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), Revision: u.Revision}
	if u.DeletedAt != nil {
		d := u.DeletedAt.UTC()
		v.DeletedAt = &d
	}
	return v
}

type listResponse struct {
	Items         []userView `json:"items"`
	NextPageToken *string    `json:"next_page_token"` // null on the last page
}

// getUser answers the read-model row of a user; with min_revision it first waits
// (bounded) until the projection has applied that revision: read-your-writes.
func (s *server) getUser(c *gin.Context) {
	id, ok := userID(c)
	if !ok || !mayRead(c, id) {
		return
	}
	minRev, wait, p := readWaitParams(c)
	if p != nil {
		writeProblem(c, p)
		return
	}
	u, err := s.readUser(c.Request.Context(), principal(c).ID, id.String(), minRev, wait)
	if err != nil {
		s.failRead(c, err)
		return
	}
	c.Header("ETag", etag(u.Revision))
	c.Header(HeaderProjectionRevision, strconv.FormatInt(u.Revision, 10))
	switch {
	case u.Status == readmodel.StatusDeleted:
		writeProblem(c, problem(410, KindDeleted, "the user is deleted"))
	case u.Status == readmodel.StatusForgotten:
		writeProblem(c, problem(410, KindForgotten, "the person was forgotten: their personal data is erased"))
	case noneMatch(c.GetHeader("If-None-Match"), u.Revision):
		c.Status(304)
	default:
		c.JSON(200, viewOf(u))
	}
}

// readUser reads once and, when min_revision is given and not reached, waits (when
// admitted: see waitGate). The first read decides between the fresh and the waiting
// path, so the metric says which one ran. A wait costs no query until a notification
// names the user at or past min_revision; then one read, shared by every wait on it.
func (s *server) readUser(ctx context.Context, caller uuid.UUID, id string, minRev int64, wait time.Duration) (readmodel.User, error) {
	if minRev == 0 || wait <= 0 {
		u, err := s.reads.Get(ctx, id)
		if minRev == 0 || (err == nil && u.Revision >= minRev) {
			s.countFresh(minRev)
			return u, err
		}
		return u, s.lagging(ctx, err, id, u.Revision, minRev, wait)
	}
	w, err := s.reads.Watch(id, minRev)
	if err != nil {
		return readmodel.User{}, err
	}
	defer w.Close()
	first, err, reads := readmodel.User{}, error(nil), 0
	if seen, behind := w.Behind(); behind {
		first.Revision = seen // a notification said so: the first read is not needed
	} else {
		first, err = s.reads.Get(ctx, id)
		reads = 1
	}
	switch {
	case err == nil && first.Revision >= minRev:
		s.countWait(metrics.WaitFresh)
		return first, nil
	case err != nil && !errors.Is(err, readmodel.ErrNotFound) && !errors.Is(err, readmodel.ErrNoLiveVersion):
		return first, err // a row or version not there yet may still come: wait for those
	}
	release, reason, refused := s.waitGate.admit(caller)
	if refused != nil {
		s.countRejection(reason)
		return first, refused
	}
	defer release()
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	u, err := s.await(wctx, w, reads)
	if err == nil {
		s.countWait(metrics.WaitWaited)
		return u, nil
	}
	return u, s.lagging(ctx, err, id, max(u.Revision, first.Revision, w.Seen()), minRev, wait)
}

// await waits on w, counted in the waiting gauge, and records what the wait cost: reads
// (the first read, 0 or 1) and the shared reads.
func (s *server) await(ctx context.Context, w *readmodel.Watch, reads int) (readmodel.User, error) {
	if s.metrics != nil {
		s.metrics.ReadWaiters.Inc()
		defer s.metrics.ReadWaiters.Dec()
	}
	u, err := w.Wait(ctx)
	if s.metrics != nil {
		s.metrics.ReadQueriesPerWait.Observe(float64(reads + w.Queries()))
		if err == nil {
			s.metrics.ReadWakeups.Inc()
		}
	}
	return u, err
}

// lagging turns a read that did not reach want into the 503 answer; errors other than
// a missing row, a missing version or a wait that ran out pass through.
func (s *server) lagging(ctx context.Context, err error, id string, seen, want int64, wait time.Duration) error {
	switch {
	case err != nil && !errors.Is(err, readmodel.ErrLagging) && !errors.Is(err, readmodel.ErrNotFound) &&
		!errors.Is(err, readmodel.ErrNoLiveVersion):
		return err
	case ctx.Err() != nil:
		return ctx.Err() // the client went away: not counted
	}
	s.countWait(metrics.WaitTimeout)
	return &laggingError{id: id, seen: seen, want: want, waited: wait}
}

func (s *server) countFresh(minRev int64) {
	if minRev > 0 {
		s.countWait(metrics.WaitFresh)
	}
}

func (s *server) countRejection(reason string) {
	if s.metrics != nil {
		s.metrics.ReadWaitRejections.WithLabelValues(reason).Inc()
	}
}

func (s *server) countWait(outcome string) {
	if s.metrics != nil {
		s.metrics.ReadYourWrites.WithLabelValues(outcome).Inc()
	}
}

// laggingError is a read-your-writes wait that ran out: the projection had applied seen
// (0: no row yet) when the client asked for want.
type laggingError struct {
	id         string
	seen, want int64
	waited     time.Duration
}

func (e *laggingError) Error() string {
	if e.seen == 0 {
		return fmt.Sprintf("the read model has not projected user %s yet; want revision %d (waited %s)", e.id, e.want, e.waited)
	}
	return fmt.Sprintf("the read model has user %s at revision %d; want revision %d (waited %s)", e.id, e.seen, e.want, e.waited)
}

// failRead answers a read-model error: 503 projection-lagging after a timed-out wait,
// 503 unavailable before the projector has ever made a version live, else as fail does.
func (s *server) failRead(c *gin.Context, err error) {
	var lag *laggingError
	switch {
	case errors.As(err, &lag):
		if lag.seen > 0 {
			c.Header(HeaderProjectionRevision, strconv.FormatInt(lag.seen, 10))
		}
		c.Header("Retry-After", retryLagging)
		writeProblem(c, problem(503, KindProjectionLagging, lag.Error()))
	case errors.Is(err, readmodel.ErrNotFound):
		writeProblem(c, problem(404, KindNotFound, "no such user"))
	case errors.Is(err, readmodel.ErrNoLiveVersion):
		c.Header("Retry-After", "5")
		writeProblem(c, problem(503, KindUnavailable, "the read model has not been built yet"))
	case errors.Is(err, readmodel.ErrInvalidPageToken):
		writeProblem(c, fieldProblem(422, KindValidation, "the query has invalid parameters",
			map[string]string{"page_token": "is not a token of this listing; start again without it"}))
	case errors.Is(err, readmodel.ErrInvalidArgument):
		writeProblem(c, problem(422, KindValidation, strings.TrimPrefix(err.Error(), "readmodel: ")))
	default:
		fail(c, err)
	}
}

// readWaitParams reads min_revision (integer ≥ 1) and wait (a Go duration such as 500ms
// or a number of seconds; default 2 s, at most 10 s: longer asks are capped). wait
// without min_revision has nothing to wait for and is only checked.
func readWaitParams(c *gin.Context) (int64, time.Duration, *Problem) {
	bad := map[string]string{}
	var minRev int64
	if raw, ok := c.GetQuery("min_revision"); ok {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 1 {
			bad["min_revision"] = "must be an integer ≥ 1 (the revision a write returned)"
		}
		minRev = n
	}
	wait := DefaultReadWait
	if raw, ok := c.GetQuery("wait"); ok {
		d, err := parseWait(raw)
		if err != nil {
			bad["wait"] = "must be a duration such as 2s or 500ms, or seconds, from 0 to 10s"
		}
		wait = min(d, MaxReadWait)
	}
	if len(bad) > 0 {
		return 0, 0, fieldProblem(422, KindValidation, "the query has invalid parameters", bad)
	}
	return minRev, wait, nil
}

func parseWait(raw string) (time.Duration, error) {
	d, err := time.ParseDuration(raw)
	if err != nil {
		secs, ferr := strconv.ParseFloat(raw, 64)
		if ferr != nil || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0, err
		}
		d = time.Duration(min(secs, MaxReadWait.Seconds()) * float64(time.Second))
	}
	if d < 0 {
		return 0, errors.New("negative wait")
	}
	return d, nil
}

// noneMatch reports whether If-None-Match names revision (weak comparison, RFC 9110
// 13.1.2) or is "*".
func noneMatch(header string, revision int64) bool {
	if header == "" {
		return false
	}
	want := etag(revision)
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == want {
			return true
		}
	}
	return false
}

// listUsers answers one page of the read model, filtered by username and email prefix,
// status and role, in the read model's stable (username, id) order; to admins and
// auditors only (403 for others).
func (s *server) listUsers(c *gin.Context) {
	if !principal(c).MayReadAll() {
		writeProblem(c, problem(403, KindForbidden, "only admins and auditors list users; read your own with GET /v1/users/{id}"))
		return
	}
	params, p := listParams(c)
	if p != nil {
		writeProblem(c, p)
		return
	}
	page, err := s.reads.List(c.Request.Context(), params)
	if err != nil {
		s.failRead(c, err)
		return
	}
	out := listResponse{Items: make([]userView, len(page.Users))}
	for i, u := range page.Users {
		out.Items[i] = viewOf(u)
	}
	if page.NextPageToken != "" {
		out.NextPageToken = &page.NextPageToken
	}
	c.JSON(200, out)
}

func listParams(c *gin.Context) (readmodel.ListParams, *Problem) {
	p := readmodel.ListParams{UsernamePrefix: c.Query("username"), EmailPrefix: c.Query("email"),
		Status: c.Query("status"), Role: c.Query("role"), PageToken: c.Query("page_token"), PageSize: readmodel.DefaultPageSize}
	bad := map[string]string{}
	for name, v := range map[string]string{"username": p.UsernamePrefix, "email": p.EmailPrefix, "page_token": p.PageToken} {
		// PostgreSQL refuses NUL and invalid UTF-8 in text: a client's mistake, not a 500.
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || len(v) > 320 {
			bad[name] = "must be valid UTF-8 without NUL, at most 320 bytes"
		}
	}
	// Usernames and emails are stored lower-cased (user.NewUsername, user.NewEmail): so
	// are the prefixes, or ?username=Ada would find nothing. After the check above:
	// ToLower would turn invalid UTF-8 into U+FFFD.
	p.UsernamePrefix, p.EmailPrefix = strings.ToLower(p.UsernamePrefix), strings.ToLower(p.EmailPrefix)
	if !slices.Contains([]string{"", readmodel.StatusActive, readmodel.StatusDeleted}, p.Status) {
		bad["status"] = "must be active or deleted"
	}
	if !slices.Contains([]string{"", readmodel.RoleAdmin, readmodel.RoleAuditor, readmodel.RoleService, readmodel.RoleUser}, p.Role) {
		bad["role"] = "must be admin, auditor, service or user"
	}
	if raw, ok := c.GetQuery("page_size"); ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > readmodel.MaxPageSize {
			bad["page_size"] = fmt.Sprintf("must be an integer from 1 to %d", readmodel.MaxPageSize)
		}
		p.PageSize = n
	}
	if len(bad) > 0 {
		return p, fieldProblem(422, KindValidation, "the query has invalid parameters", bad)
	}
	return p, nil
}
