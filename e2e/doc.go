// Package e2e holds Palisade's end-to-end tests: they build the real
// palisade binary, start it as a child process (palisade demo and
// palisade serve with a generated configuration in front of an in-process
// mock model server), and drive it with plain net/http and with the
// official npm clients (openai, botframework-directlinejs) run by
// node --test.
//
// Run them with:
//
//	(cd e2e && npm ci)   # once; without node_modules the Node tests are skipped (fatal when CI=true)
//	go test ./e2e/
//
// The package has no non-test code; this file only documents it.
package e2e
