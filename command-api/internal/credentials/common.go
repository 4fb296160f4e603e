package credentials

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed common_passwords.txt
var commonList string

var common = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 3000)
	for line := range strings.SplitSeq(commonList, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[line] = struct{}{}
		}
	}
	return m
})

// Common reports whether password is on the shipped list of commonly used passwords
// (compared without case and surrounding blanks): the first guesses of any attacker.
func Common(password string) bool {
	_, ok := common()[strings.ToLower(strings.TrimSpace(password))]
	return ok
}
