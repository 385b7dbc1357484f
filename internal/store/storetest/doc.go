// Package storetest is the conformance suite for store.Store. Every
// storage driver runs it from its own tests in a few lines:
//
//	func TestStore(t *testing.T) {
//		storetest.RunTests(t, func(t *testing.T) store.Store {
//			s, err := mydriver.Open(...) // a fresh, empty store
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// Each subtest gets its own fresh store from newStore and closes it when it
// ends; newStore registers any other cleanup (temporary files, databases)
// with t.Cleanup. The suite checks the contract written on the store
// interfaces: the errors (compared with errors.Is), Seq assignment, paging,
// atomicity of batches, concurrency, and that times come back in UTC,
// exact to the microsecond.
package storetest
