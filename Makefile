# throttlebench: make run (a strategy comparison against the embedded fake),
# make test (every test, with -race). See README.md.
GO          ?= go
BIN         := bin/bench
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build run test bench figures lint fmt clean

all: build

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/bench

run: build
	./$(BIN) run scenarios/quickstart.yaml

test:
	$(GO) test -race -count=1 -timeout 30m ./...

# Speed and memory targets, reported as ratios measured in one run:
# the fake's request rate against a bare handler for unthrottled PutItem
# (goal >= 0.9; ServeRatioSizes: the same on a fake keeping each item's
# key and size only, bench run's default, whose PutItems are scanned, not
# built; HandlerPutItem and HandlerPutItemSizes: the handler alone, CPU
# and allocations per request), for fully throttled PutItem
# (ServeThrottledRatio, goal >= 0.9; ServeThrottledRatioSizes: the same
# on the sizes fake, whose throttled PutItems' items are never built) and
# for the other fast lanes,
# unthrottled: GetItem of 1 KB items
# (ServeGetItemRatio, the bare handler answering the same item), UpdateItem
# SET of a 1 KB value (ServeUpdateItemRatio) and BatchWriteItem of 10
# puts (ServeBatchWriteRatio), each goal >= 0.9 (each Serve*Ratio also
# reports cpu-ratio, fake/bare requests per CPU-second, steadier than the
# wall-clock ratio when other processes share the cores); the throttle's
# error body without reflection against encoding/json (ThrottleErrorBody),
# pacing (BenchmarkPacing: p99 start
# lag at 1,000, 2,000 and 5,000 ops/s with the process's and the machine's
# idle share; goal: p99 lag < 1 ms wherever idle-% >= 30; start rate
# within 1 % at 5,000/s; BenchmarkPacingCalibrated: the same at this
# machine's calibrated limit, found as bench calibrate does), the runner's
# CPU per operation against a bare SDK loop's on the same fake
# (BenchmarkCPUPerOp, cpu-ratio <= 1.10, rounds of each alternating in one
# iteration; BenchmarkOverhead's rate ratio has the fake on the runner's
# side only and no goal), each SDK client
# option's CPU per operation against the SDK's default (ClientOptions,
# below 1 when it helps), peak RSS 60 s vs
# 10 s at up to 1,000,000 keys and of a simulated fleet hour vs 6 minutes
# (<= 1.2), heap bytes per stored item, and simulated operations per
# CPU-second. BenchmarkPacing also reports CPU per operation and the
# generator's verdict. Whole-run benchmarks use -benchtime 1x.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3s ./fakeservice/ ./fakeservice/wire/ ./fakeservice/store/ ./internal/sim/
	$(GO) test -run '^$$' -bench . -benchtime 1x ./internal/runner/ ./cmd/bench/

# Reruns the benchmarks behind the README's performance table and rewrites
# it (about 9 minutes); internal/figures' test checks the table's format.
figures:
	$(GO) run ./tools/figures -write README.md

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
