package stack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	commandapi "github.com/recall-events/recall/command-api"
)

// jwtSecretFile holds the embedded run's JWT secret inside its data directory: generated
// on the first start, kept (mode 0600) so tokens survive a restart, never shipped.
const jwtSecretFile = "jwt-secret"

// loadOrCreateSecret reads the secret kept in dir, creating it when absent. A file that
// others may read is refused rather than trusted.
func loadOrCreateSecret(dir string) (string, error) {
	path := filepath.Join(dir, jwtSecretFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		secret, err := commandapi.NewJWTSecret()
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return "", err
		}
		if _, err := f.WriteString(secret + "\n"); err != nil {
			f.Close()
			return "", err
		}
		return secret, f.Close()
	}
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("stack: %s must be readable by its owner alone (chmod 600): %v", path, err)
	}
	return strings.TrimSpace(string(b)), nil
}
