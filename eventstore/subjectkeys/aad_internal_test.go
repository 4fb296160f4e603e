package subjectkeys

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The AAD every stored key was wrapped with is a contract with the rows already in
// subject_keys: building it without strings must not change one byte of it.
func TestRowAADIsTheStoredFormula(t *testing.T) {
	for i := range 1000 {
		subject, key := uuid.New(), uuid.New().String()
		if i%2 == 1 {
			key = strings.ToUpper(key) // ids the API was handed in upper case
		}
		want := "subject_keys/" + subject.String() + "/" + strings.ToLower(key)
		if got := string(rowAAD(subject, key)); got != want {
			t.Fatalf("rowAAD(%s, %s) = %q, want %q", subject, key, got, want)
		}
		var buf [rowAADSize]byte
		if got := appendRowAAD(buf[:0], subject, key); string(got) != want || &got[0] != &buf[0] {
			t.Fatalf("appendRowAAD = %q (in place: %v), want %q", got, &got[0] == &buf[0], want)
		}
	}
}

// BenchmarkNewGCM is building one person's cipher from their unwrapped key: the standard
// library's AES key schedule and GCM tables, paid once per person by a cold replay
// (issue #13's floor for key reads, with PostgreSQL's row and the KEK's unwrap).
func BenchmarkNewGCM(b *testing.B) {
	raw := make([]byte, DataKeySize)
	for b.Loop() {
		if _, err := newGCM(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnwrap is opening one stored key with the KEK, AAD built in place as Keys does.
func BenchmarkUnwrap(b *testing.B) {
	kek, err := NewKEK(make([]byte, KEKSize))
	if err != nil {
		b.Fatal(err)
	}
	subject, keyID := uuid.New(), uuid.New().String()
	wrapped, err := kek.wrap(make([]byte, DataKeySize), rowAAD(subject, keyID))
	if err != nil {
		b.Fatal(err)
	}
	var aad [rowAADSize]byte
	for b.Loop() {
		if _, err := kek.unwrap(wrapped, appendRowAAD(aad[:0], subject, keyID)); err != nil {
			b.Fatal(err)
		}
	}
}
