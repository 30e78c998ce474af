//go:build !linux

package runner

import "context"

// newWaiter returns a waiter on a runtime timer.
func newWaiter(ctx context.Context) waiter { return newTimerWaiter(ctx) }
