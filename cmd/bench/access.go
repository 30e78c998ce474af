package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// accessErrorCodes are the answers that say the credentials may not do what
// the run needs. They are a setup error, not a measurement: a run that gets
// one stops, and its results are not written.
var accessErrorCodes = map[string]bool{
	"AccessDeniedException":               true,
	"UnrecognizedClientException":         true,
	"InvalidSignatureException":           true,
	"IncompleteSignatureException":        true,
	"MissingAuthenticationTokenException": true,
	"ExpiredTokenException":               true,
}

// accessWatch notices the first access error any client of a run gets,
// from any operation (table set-up, load, clean-up), and stops the run. A
// nil *accessWatch watches nothing. It is safe for concurrent use.
type accessWatch struct {
	mu     sync.Mutex
	err    error              // the first access error
	cancel context.CancelFunc // stops the run being watched
}

// install makes every client built from cfg report to w.
func (w *accessWatch) install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("ThrottlebenchAccessWatch",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if err != nil {
					w.note(err)
				}
				return out, md, err
			}), middleware.After)
	})
}

// watch returns ctx, canceled as soon as an access error is noted.
func (w *accessWatch) watch(ctx context.Context) (context.Context, context.CancelFunc) {
	if w == nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	w.mu.Lock()
	w.cancel = cancel
	stop := w.err != nil
	w.mu.Unlock()
	if stop {
		cancel()
	}
	return ctx, cancel
}

func (w *accessWatch) note(err error) {
	var ae smithy.APIError
	if !errors.As(err, &ae) || !accessErrorCodes[ae.ErrorCode()] {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	w.err = err
	if w.cancel != nil {
		w.cancel()
	}
}

// Err returns the first access error, explained; nil when there was none.
func (w *accessWatch) Err() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		return nil
	}
	return fmt.Errorf("run stopped: these credentials may not do all the run needs ('bench policy SCENARIO' prints the IAM policy a run needs): %w", w.err)
}
