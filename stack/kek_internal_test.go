package stack

import (
	"os"
	"path/filepath"
	"testing"
)

// The embedded run's KEK is generated once per data directory, readable by its owner
// only, and read back on the next run.
func TestDataDirKEK(t *testing.T) {
	dir := t.TempDir()
	kek, err := dataDirKEK(dir)
	if err != nil || kek == "" {
		t.Fatalf("dataDirKEK = %q, %v", kek, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "kek"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("kek file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	again, err := dataDirKEK(dir)
	if err != nil || again != kek {
		t.Fatalf("second run read %q, %v; want %q", again, err, kek)
	}
	if err := os.WriteFile(filepath.Join(dir, "kek"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := dataDirKEK(dir); err == nil {
		t.Fatal("a corrupt kek file was accepted")
	}
}
