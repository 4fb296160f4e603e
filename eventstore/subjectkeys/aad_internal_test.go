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
