package schemas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// The in-place scanner replaced a json.Unmarshal into a map and a json.Marshal back.
// refOpen and refSealData are that implementation, kept as the oracle: the fuzz targets
// hold the new one to the same results (as JSON values) and the same error kinds.

func refOpen(o Opener, ctx context.Context, aggregateType, aggregateID, eventType string, version int, data, metadata json.RawMessage) (Opened, error) {
	out := Opened{Data: data, Metadata: metadata}
	fields, reason := SealedFields(eventType, version)
	if len(fields) == 0 && !reason {
		return out, nil
	}
	var key *DataKey
	gone := false
	var erased []string
	object := func(raw json.RawMessage, fields []string, rename map[string]string) (json.RawMessage, error) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, ErrInvalidData
		}
		for _, f := range fields {
			v, ok := m[f]
			if !ok || string(v) == "null" {
				continue
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, ErrSealed
			}
			keyID, _, _, err := ParseSealed(s)
			if err != nil {
				return nil, err
			}
			if !gone && (key == nil || key.id != keyID) {
				raw, err := o.Keys.DataKey(ctx, aggregateID, keyID)
				if err != nil {
					return nil, err
				}
				if raw == nil {
					gone = true
				} else if key, err = NewDataKey(keyID, raw); err != nil {
					return nil, err
				}
			}
			var opened json.RawMessage
			if gone {
				erased = append(erased, strings.TrimSuffix(f, "_sealed"))
				opened = ErasedMarker
				if o.Erased != nil {
					opened = o.Erased
				}
			} else {
				pt, err := key.Open(aggregateType, aggregateID, f, s)
				if err != nil {
					return nil, err
				}
				opened, _ = json.Marshal(pt)
			}
			name := f
			if to, ok := rename[f]; ok {
				delete(m, f)
				name = to
			}
			m[name] = opened
		}
		return json.Marshal(m)
	}
	var err error
	if len(fields) > 0 {
		if out.Data, err = object(data, fields, nil); err != nil {
			return Opened{}, err
		}
	}
	if reason && len(bytes.TrimSpace(metadata)) > 0 && !bytes.Equal(bytes.TrimSpace(metadata), []byte("null")) &&
		bytes.Contains(metadata, []byte(`"reason_sealed"`)) {
		if out.Metadata, err = object(metadata, []string{"reason_sealed"}, map[string]string{"reason_sealed": "reason"}); err != nil {
			return Opened{}, err
		}
	}
	out.Erased = erased
	return out, nil
}

func refSealData(k *DataKey, aggregateType, aggregateID, eventType string, version int, data json.RawMessage) (json.RawMessage, error) {
	fields, _ := SealedFields(eventType, version)
	if len(fields) == 0 {
		return data, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, ErrInvalidData
	}
	for _, f := range fields {
		raw, ok := m[f]
		if !ok || string(raw) == "null" {
			continue
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, ErrInvalidData
		}
		sealed, err := k.Seal(aggregateType, aggregateID, f, v)
		if err != nil {
			return nil, err
		}
		m[f], _ = json.Marshal(sealed)
	}
	return json.Marshal(m)
}

// errKind names the sentinel an error wraps, so the two implementations' messages may
// differ while their meaning may not.
func errKind(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrInvalidData):
		return "invalid data"
	case errors.Is(err, ErrSealed):
		return "sealed"
	}
	return "other: " + err.Error()
}

// sameJSON compares two JSON documents as values; both must be valid.
func sameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !json.Valid(got) {
		t.Fatalf("%s: invalid JSON %q", what, got)
	}
	if !jsonEqual(t, got, want) {
		t.Fatalf("%s: got %s, want %s", what, got, want)
	}
}

func sealSeeds(t testing.TB) (k *DataKey, raw []byte, data, meta [][]byte) {
	k, raw = testKey(t, "0193a3b0-0000-7000-8000-0000000000k1", 7)
	seal := func(field, v string) string {
		s, err := k.Seal("user", aggID, field, v)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	u, e := seal("username", "ada"), seal("email", "ada@example.com")
	data = [][]byte{
		[]byte(`{"username":"` + u + `","email":"` + e + `","first_name":null,"last_name":null,"role":"user"}`),
		[]byte(` { "email" : "` + e + `" , "username":"x", "username" : "` + u + `", "nested": {"a": [1, 2.5e3, "x\"y"]} } `),
		[]byte(`{"user\u006eame":"` + u + `","email":null}`),
		[]byte(`{"username":"plaintext"}`),
		[]byte(`{"username":1}`),
		[]byte(`null`),
		[]byte(`[]`),
		[]byte(`{"username":"` + u + `",}`),
		[]byte(`{"first_name":"<Ada & \u00e9>","last_name":"\ud83d\ude00","role":"user"}`),
	}
	r := seal("reason_sealed", "married name")
	meta = [][]byte{
		[]byte(`{"actor_id":"x","reason_sealed":"` + r + `"}`),
		[]byte(`{"reason":"old","reason_sealed":"` + r + `","reason":"older"}`),
		[]byte(`{"reason_sealed":null}`),
		[]byte(`null`),
		[]byte(`{"reason_sealed":"rcl1.k.x.y"}`),
	}
	return k, raw, data, meta
}

// FuzzOpenMatchesMapRoundTrip: the in-place Opener answers what the map round trip
// answered, for any data and metadata, with the key present or erased.
func FuzzOpenMatchesMapRoundTrip(f *testing.F) {
	_, raw, data, meta := sealSeeds(f)
	for i, d := range data {
		f.Add(d, meta[i%len(meta)], uint8(i))
	}
	f.Fuzz(func(t *testing.T, data, meta []byte, sel uint8) {
		keys := mapKeys{"0193a3b0-0000-7000-8000-0000000000k1": raw}
		if sel&1 == 1 {
			keys = mapKeys{} // the person was forgotten
		}
		o := Opener{Keys: keys}
		if sel&2 == 2 {
			o.Erased = json.RawMessage(`""`)
		}
		typ, version := "UserCreated", 3
		if sel&4 == 4 {
			typ, version = "UserUpdated", 2
		}
		got, err := o.Open(context.Background(), "user", aggID, typ, version, data, meta)
		want, wantErr := refOpen(o, context.Background(), "user", aggID, typ, version, data, meta)
		if errKind(err) != errKind(wantErr) {
			t.Fatalf("error %v, the map round trip's %v", err, wantErr)
		}
		if err != nil {
			return
		}
		sameJSON(t, "data", got.Data, want.Data)
		if !bytes.Equal(got.Metadata, meta) || !bytes.Equal(want.Metadata, meta) {
			sameJSON(t, "metadata", got.Metadata, want.Metadata)
		}
		if !slices.Equal(got.Erased, want.Erased) {
			t.Fatalf("erased %v, want %v", got.Erased, want.Erased)
		}
	})
}

// FuzzSealDataMatchesMapRoundTrip: sealing in place refuses what the map round trip
// refused, and what it seals opens (by the map round trip) to the data it was given.
func FuzzSealDataMatchesMapRoundTrip(f *testing.F) {
	k, raw, _, _ := sealSeeds(f)
	for _, d := range []string{
		`{"username":"ada","email":"ada@example.com","first_name":"Ada","last_name":null,"role":"user"}`,
		`{"username":"a","username":"b","email":"\u00e9\n\"","first_name":null,"last_name":"L","role":"user","x":[{}]}`,
		`{"username":1}`, `null`, `{}`, `{"username":"x"`, `"x"`,
	} {
		f.Add([]byte(d))
	}
	o := Opener{Keys: mapKeys{k.ID(): raw}}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := SealData(k, "user", aggID, "UserCreated", 3, data)
		_, wantErr := refSealData(k, "user", aggID, "UserCreated", 3, data)
		if errKind(err) != errKind(wantErr) {
			t.Fatalf("error %v, the map round trip's %v", err, wantErr)
		}
		if err != nil {
			return
		}
		for _, f := range []string{"username", "email", "first_name", "last_name"} {
			var m map[string]json.RawMessage
			if json.Unmarshal(got, &m) == nil {
				var s string
				if string(m[f]) != "null" && json.Unmarshal(m[f], &s) == nil && !IsSealed(s) {
					t.Fatalf("%s left in plaintext: %s", f, got)
				}
			}
		}
		opened, err := refOpen(o, context.Background(), "user", aggID, "UserCreated", 3, got, nil)
		if err != nil {
			t.Fatalf("sealed %s does not open: %v", got, err)
		}
		sameJSON(t, "round trip", opened.Data, data)
	})
}

// FuzzObjectMembers holds the scanner to json.Valid: it accepts exactly the valid
// documents that are objects (or null), and finds the members encoding/json finds.
func FuzzObjectMembers(f *testing.F) {
	for _, s := range []string{`{}`, `null`, ` {"a" : [1,{"b":null}], "c":"\u00e9\\", "d":-0.5e+3 } `, `{"a":01}`,
		`{"a":"` + "\x01" + `"}`, `{"a":tru}`, `{"a":1}x`, `[1]`, `{"a":"\ud800"}`, `{"a":1,}`, `{,}`, `{"a" 1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var buf [4]member
		ms, isNull, err := objectMembers(raw, buf[:])
		valid := json.Valid(raw)
		if !valid {
			if err == nil {
				t.Fatalf("accepted invalid JSON %q", raw)
			}
			return
		}
		var m map[string]json.RawMessage
		isObject := json.Unmarshal(raw, &m) == nil
		if isObject != (err == nil) {
			t.Fatalf("%q: error %v, but encoding/json decodes an object: %v", raw, err, isObject)
		}
		if err != nil || isNull {
			return
		}
		for i := range ms {
			mb := &ms[i]
			var key string
			if err := json.Unmarshal(raw[mb.start:mb.start+len(mb.key)+2], &key); err != nil {
				t.Fatalf("%q: member %d key %q: %v", raw, i, mb.key, err)
			}
			if !mb.keyIs(key) {
				t.Fatalf("%q: keyIs(%q) false for its own key", raw, key)
			}
			if _, ok := m[key]; !ok {
				t.Fatalf("%q: found key %q encoding/json did not", raw, key)
			}
		}
		for key, v := range m {
			last := lookup(ms, key)
			if last == nil || !bytes.Equal(bytes.TrimSpace(raw[last.vstart:last.end]), bytes.TrimSpace(v)) {
				t.Fatalf("%q: member %q: encoding/json has %s", raw, key, v)
			}
		}
	})
}
