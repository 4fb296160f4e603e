package commandapi

// UnsealedBaseline makes Run write personal fields in plaintext: the comparison
// BenchmarkUpdateUserSealing measures sealing against. Test binaries only.
func UnsealedBaseline(c *Config) { c.unsealedBaseline = true }
