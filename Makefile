# throttlebench: make run (a strategy comparison against the embedded fake),
# make test (every test, with -race). See README.md.
GO          ?= go
BIN         := bin/bench
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build run test bench lint fmt clean

all: build

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/bench

run: build
	./$(BIN) run scenarios/quickstart.yaml

test:
	$(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
