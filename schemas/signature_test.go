package schemas

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

var (
	keyA = bytes.Repeat([]byte{0xa5}, 32)
	keyB = bytes.Repeat([]byte{0x5a}, 32)
)

func testHeaders() []Header {
	return []Header{
		{Key: "ce_specversion", Value: []byte("1.0")}, {Key: "ce_id", Value: []byte("0190a4c2-0000-7000-8000-000000000001")},
		{Key: "ce_type", Value: []byte("recall.user.RoleChanged.v1")}, {Key: "content-type", Value: []byte("application/avro")},
		{Key: "recall_revision", Value: []byte("4")},
	}
}

func TestKeyringSignVerify(t *testing.T) {
	signer, err := NewKeyring("a", map[string][]byte{"a": keyA})
	if err != nil {
		t.Fatal(err)
	}
	key, value, headers := []byte("user-1"), []byte("\x00\x00\x00\x00\x01value"), testHeaders()
	sig, err := signer.Sign(key, value, headers)
	if err != nil {
		t.Fatal(err)
	}
	signed := append(headers, sig...)
	// A verifier after rotation: b active, a still accepted.
	verifier, err := ParseKeyring("b", "a="+base64.StdEncoding.EncodeToString(keyA)+", b="+base64.RawURLEncoding.EncodeToString(keyB))
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier.Verify(key, value, signed); err != nil {
		t.Fatalf("genuine record: %v", err)
	}
	// Header order does not matter; unsigned headers may change.
	reordered := append([]Header{{Key: "content-type", Value: []byte("x")}}, signed...)
	reordered = append(reordered[2:], reordered[1])
	if err := verifier.Verify(key, value, reordered); err != nil {
		t.Fatalf("reordered headers: %v", err)
	}
	mutate := map[string]func() ([]byte, []byte, []Header){
		"unsigned":    func() ([]byte, []byte, []Header) { return key, value, headers },
		"other key":   func() ([]byte, []byte, []Header) { return []byte("user-2"), value, signed },
		"other value": func() ([]byte, []byte, []Header) { return key, append(bytes.Clone(value), 0), signed },
		"revision":    func() ([]byte, []byte, []Header) { return key, value, replace(signed, "recall_revision", "5") },
		"ce_type":     func() ([]byte, []byte, []Header) { return key, value, replace(signed, "ce_type", "x") },
		"extra ce_":   func() ([]byte, []byte, []Header) { return key, value, append(clone(signed), Header{"ce_extra", nil}) },
		"duplicate": func() ([]byte, []byte, []Header) {
			return key, value, append(clone(signed), Header{"ce_type", []byte("y")})
		},
		"unknown id":    func() ([]byte, []byte, []Header) { return key, value, replace(signed, HeaderSignatureKey, "zz") },
		"not hex":       func() ([]byte, []byte, []Header) { return key, value, replace(signed, HeaderSignature, "zz") },
		"two sigs":      func() ([]byte, []byte, []Header) { return key, value, append(clone(signed), sig[1]) },
		"forged, key b": func() ([]byte, []byte, []Header) { return key, value, forge(t, headers, key, value) },
	}
	for name, m := range mutate {
		k, v, h := m()
		if err := verifier.Verify(k, v, h); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
	}
}

// forge signs with a key the verifier does not hold under an id it does.
func forge(t *testing.T, headers []Header, key, value []byte) []Header {
	other, err := NewKeyring("a", map[string][]byte{"a": bytes.Repeat([]byte{1}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := other.Sign(key, value, headers)
	if err != nil {
		t.Fatal(err)
	}
	return append(clone(headers), sig...)
}

func clone(h []Header) []Header { return append([]Header(nil), h...) }

func replace(h []Header, key, value string) []Header {
	out := clone(h)
	for i := range out {
		if out[i].Key == key {
			out[i].Value = []byte(value)
		}
	}
	return out
}

func TestKeyringRefusesBadKeys(t *testing.T) {
	for name, spec := range map[string]string{
		"short":         "a=" + base64.StdEncoding.EncodeToString(keyA[:16]),
		"active absent": "b=" + base64.StdEncoding.EncodeToString(keyB),
		"not base64":    "a=!!!",
		"no id":         base64.StdEncoding.EncodeToString(keyA),
		"empty":         "",
	} {
		if _, err := ParseKeyring("a", spec); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	verifyOnly, err := NewKeyring("", map[string][]byte{"a": keyA})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifyOnly.Sign(nil, nil, nil); err == nil || !strings.Contains(err.Error(), "active") {
		t.Errorf("verify-only keyring signed: %v", err)
	}
}

func TestDecoderVerifier(t *testing.T) {
	ctx := context.Background()
	_, cl := newFakeRegistry(t)
	reg, err := Register(ctx, cl, testTopic)
	if err != nil {
		t.Fatal(err)
	}
	in := sampleEvent(t, "RoleChanged", 1)
	value, err := reg.AppendValue(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	ring, _ := NewKeyring("a", map[string][]byte{"a": keyA})
	sig, err := ring.Sign([]byte(in.AggregateID), value, testHeaders())
	if err != nil {
		t.Fatal(err)
	}
	dec := NewDecoder(cl, Verifier(ring))
	if out, err := dec.DecodeRecord(ctx, []byte(in.AggregateID), value, append(testHeaders(), sig...)); err != nil {
		t.Fatalf("signed record: %v", err)
	} else {
		assertEventEqual(t, out, in)
	}
	if _, err := dec.DecodeRecord(ctx, []byte(in.AggregateID), value, testHeaders()); !errors.Is(err, ErrSignature) {
		t.Fatalf("unsigned record: %v, want ErrSignature", err)
	}
	if _, err := NewDecoder(cl).DecodeRecord(ctx, []byte(in.AggregateID), value, nil); err != nil {
		t.Fatalf("no verifier: %v", err)
	}
}
