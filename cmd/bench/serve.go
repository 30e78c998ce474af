package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/throttlebench/throttlebench/fakeservice"
)

func serveMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8000", "address to listen on (port 0 picks a free one)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench serve [flags]")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return badInput{fmt.Errorf("unexpected argument %q", rest[0])}
	}
	srv := fakeservice.New(fakeservice.Options{})
	url, err := srv.Start(*addr)
	if err != nil {
		return badInput{fmt.Errorf("listen on %s: %w", *addr, err)}
	}
	fmt.Fprintf(stdout, "bench serve: fake DynamoDB listening on %s\n", url)
	<-ctx.Done()
	return srv.Close()
}
