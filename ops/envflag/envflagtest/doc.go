// Package envflagtest holds the checks every Recall binary's command gets in its tests:
// --help exits 0 and lists every flag with its environment twin, every flag has a twin,
// and the README's flag table matches the flag set. Each binary used to carry its own
// copy of these lines.
//
//	func TestHelp(t *testing.T) { envflagtest.Help(t, command(fatalRun(t)), cmd.Flags) }
//	func TestREADME(t *testing.T) { envflagtest.README(t, "../../../README.md", "### relay", command(nil).Flags()) }
package envflagtest
