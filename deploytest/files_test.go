package deploytest

import "os"

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readFile(t interface {
	Helper()
	Fatal(...any)
}, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
