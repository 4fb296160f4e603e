package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/schemas"
)

// Crypto-shredding on the command side. Personal fields leave the process only sealed
// with the person's data key (schemas.SealData): in events, in the metadata's reason, in
// snapshots. Unique claims hold keyed hashes. The domain never sees any of it: it decides
// on plaintext, the codec boundary here seals and opens.

// claimPrefix marks a hashed claim value; values without it were written in plaintext by
// an older release (HashLegacyClaims rewrites them).
const claimPrefix = "h1:"

// claimValue is what the claims table holds for (kind, value): HMAC-SHA256 under the
// server's claim key, or the value itself when the service runs without one (tests).
func (s *Service) claimValue(kind user.ClaimKind, value string) string {
	if s.opts.ClaimKey == nil {
		return value
	}
	m := hmac.New(sha256.New, s.opts.ClaimKey)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return claimPrefix + hex.EncodeToString(m.Sum(nil))
}

// HashLegacyClaims rewrites claims an older release stored in plaintext into their keyed
// hashes, so uniqueness keeps holding across the upgrade and the table reveals nothing.
func (s *Service) HashLegacyClaims(ctx context.Context) (int, error) {
	if s.opts.ClaimKey == nil {
		return 0, nil
	}
	n, err := s.store.RewriteClaims(ctx, func(kind, value string) (string, bool) {
		if strings.HasPrefix(value, claimPrefix) {
			return value, false
		}
		return s.claimValue(user.ClaimKind(kind), value), true
	})
	if err != nil {
		return n, err
	}
	m, err := credentials.HashUsernames(ctx, s.store.Pool(), claimPrefix, func(name string) string {
		return s.claimValue(user.ClaimUsername, name)
	})
	return n + m, err
}

// sealing is the key the events of one append are sealed with; insert is set when the
// key is new and must be stored in the append's transaction.
type sealing struct {
	key    *schemas.DataKey
	insert *subjectkeys.Key
}

// sealingFor finds the person's key for an append on u: a new one for their first event
// (or for a user written before events were sealed), else the stored one. Without a
// keyring (plaintext mode) and for UserForgotten alone, there is nothing to seal.
func (s *Service) sealingFor(ctx context.Context, u *user.User, events []user.Event) (sealing, error) {
	if s.keys == nil || onlyForgotten(events) {
		return sealing{}, nil
	}
	if u.Exists() {
		k, found, err := s.keys.Current(ctx, u.ID())
		if err != nil {
			return sealing{}, err
		}
		if found {
			dk, err := dataKey(k)
			return sealing{key: dk}, err
		}
	}
	k, err := subjectkeys.Generate()
	if err != nil {
		return sealing{}, err
	}
	dk, err := schemas.NewDataKey(k.ID, k.Raw)
	return sealing{key: dk, insert: &k}, err
}

// dataKey is k ready to seal and open, with the cipher the keyring cached with it.
func dataKey(k subjectkeys.Key) (*schemas.DataKey, error) {
	aead, err := k.Cipher()
	if err != nil {
		return nil, err
	}
	return schemas.NewDataKeyCipher(k.ID, aead)
}

func onlyForgotten(events []user.Event) bool {
	for _, ev := range events {
		if _, ok := ev.(user.UserForgotten); !ok {
			return false
		}
	}
	return true
}

// encode turns a decided event into its row: sealed personal fields and reason with a
// key; in plaintext mode (no keyring: tests and the benchmark's comparison only) the
// plaintext versions of the same shapes.
func (s *Service) encode(ev user.Event, meta eventstore.Metadata, id uuid.UUID, sl sealing) (eventstore.NewEvent, error) {
	typ, version, data, err := user.Marshal(ev)
	if err != nil {
		return eventstore.NewEvent{}, err
	}
	switch {
	case sl.key != nil:
		if data, err = schemas.SealData(sl.key, user.AggregateType, id.String(), typ, version, data); err != nil {
			return eventstore.NewEvent{}, err
		}
		if meta.Reason != "" && typ != user.TypeUserForgotten {
			if meta.ReasonSealed, err = sl.key.Seal(user.AggregateType, id.String(), "reason_sealed", meta.Reason); err != nil {
				return eventstore.NewEvent{}, err
			}
			meta.Reason = ""
		}
	case s.keys == nil:
		version = plaintextVersion(typ, version)
	}
	if s.opts.Validate != nil {
		if err := s.opts.Validate(typ, version, data); err != nil {
			return eventstore.NewEvent{}, fmt.Errorf("%w: %w", ErrEventSchema, err)
		}
	}
	return eventstore.NewEvent{EventType: typ, SchemaVersion: version, Data: data, Metadata: meta}, nil
}

// plaintextVersion is the newest version of typ whose personal fields are plaintext: the
// sealed versions have the same shapes.
func plaintextVersion(typ string, version int) int {
	switch typ {
	case user.TypeUserCreated:
		return 2
	case user.TypeUserUpdated:
		return 1
	}
	return version
}

// opener opens stored events for the aggregate: an erased field becomes "" and the
// event is decoded with UnmarshalErased.
func (s *Service) opener() schemas.Opener {
	o := schemas.Opener{Erased: json.RawMessage(`""`)}
	if s.keys != nil {
		o.Keys = s.keys
	}
	return o
}

// auditOpener opens stored events for people: an erased field shows schemas.ErasedMarker.
func (s *Service) auditOpener() schemas.Opener {
	o := schemas.Opener{}
	if s.keys != nil {
		o.Keys = s.keys
	}
	return o
}

// snapshotAAD separates snapshot fields from event fields sealed with the same key.
const snapshotAAD = "user-snapshot"

// sealState is a snapshot's stored form: the state with its personal fields sealed.
func sealState(key *schemas.DataKey, st user.State) (json.RawMessage, error) {
	if key != nil {
		for _, f := range statePersonal(&st) {
			if *f.v == "" {
				continue
			}
			sealed, err := key.Seal(snapshotAAD, st.ID.String(), f.name, *f.v)
			if err != nil {
				return nil, err
			}
			*f.v = sealed
		}
	}
	return json.Marshal(st)
}

// openState opens a stored snapshot; usable is false when its key is gone (the events,
// read afterwards, say the person was forgotten).
func (s *Service) openState(ctx context.Context, st *user.State) (usable bool, err error) {
	var key *schemas.DataKey
	for _, f := range statePersonal(st) {
		if !schemas.IsSealed(*f.v) {
			continue
		}
		if key == nil {
			if s.keys == nil {
				return false, nil
			}
			k, found, err := s.keys.Current(ctx, st.ID)
			if err != nil || !found {
				return false, err
			}
			if key, err = dataKey(k); err != nil {
				return false, err
			}
		}
		if *f.v, err = key.Open(snapshotAAD, st.ID.String(), f.name, *f.v); err != nil {
			return false, nil // not ours to trust: rebuild from the events
		}
	}
	return true, nil
}

type personalField struct {
	name string
	v    *string
}

func statePersonal(st *user.State) []personalField {
	return []personalField{{"username", &st.Username}, {"email", &st.Email}, {"first_name", &st.FirstName}, {"last_name", &st.LastName}}
}
