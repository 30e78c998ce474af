package store

import (
	"slices"
	"testing"

	"github.com/throttlebench/throttlebench/fakeservice/faults"
)

// The fault schedule accepts exactly the operations the store serves.
func TestFaultOperationsAreServed(t *testing.T) {
	named := slices.Sorted(slices.Values(faults.Operations))
	if served := Operations(); !slices.Equal(served, named) {
		t.Errorf("faults.Operations = %v, the store serves %v", named, served)
	}
}
