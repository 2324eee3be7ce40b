# monsys — the two commands are `make run` and `make test` (see README.md).
GO        ?= go
BIN       := bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
FUZZTIME  ?= 30s
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run test build deps assets browser lint fmt vet fuzz bench bench-micro bench-web clean

## run: build the hub and serve on :8080 with the embedded PostgreSQL under ./monsys-data
run: deps build
	MONSYS_AGENT_DIST_DIR=$${MONSYS_AGENT_DIST_DIR:-$(BIN)/dist} ./$(BIN)/monsys serve

## test: the whole suite with the race detector, database and browser tests included
test: deps assets browser
	$(GO) test -race -count=1 -timeout 30m ./...

## build: the hub (with the dashboard's assets), and the agent for linux/amd64 and arm64 into bin/dist (the hub serves them)
build: assets
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/monsys ./cmd/monsys
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/monsys-agent ./cmd/monsys-agent
	@mkdir -p $(BIN)/dist
	for arch in amd64 arm64; do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' \
	    -o $(BIN)/dist/monsys-agent-linux-$$arch ./cmd/monsys-agent || exit 1; \
	done

## deps: PostgreSQL server binaries (installed with apt-get when missing and possible)
deps:
	@scripts/ensure-postgres.sh

## assets: the dashboard's bundle (web/ui → web/dist, embedded by the hub): npm packages pinned by
## web/ui/package-lock.json, bundled by esbuild; nothing is fetched at run time
UI_SOURCES := $(shell find web/ui/src -type f 2>/dev/null) web/ui/build.mjs
assets: web/dist/app.js
web/dist/app.js: web/ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd web/ui && node build.mjs
web/ui/node_modules/.package-lock.json: web/ui/package-lock.json web/ui/package.json
	@command -v npm >/dev/null 2>&1 || { echo "npm (Node.js 20 or newer) is needed to build the dashboard: apt-get install nodejs npm" >&2; exit 1; }
	cd web/ui && npm ci --no-audit --no-fund
	@touch $@

## browser: Chromium for the browser tests (installed with apt-get when missing and possible)
browser:
	@scripts/ensure-chromium.sh

lint: vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## fuzz: every fuzz target for FUZZTIME each (crashers land in testdata/fuzz)
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## bench: the standard monsys-bench scenario (about 5 minutes): the hub at its maximum and at half of it
## with 200 agents, the raw-COPY ceiling on the same database, a short query run; JSON in bench/results/
bench: deps build
	@mkdir -p bench/results
	$(GO) run ./cmd/monsys-bench standard --hub-bin $(BIN)/monsys --results bench/results $(BENCHFLAGS)

## bench-micro: the hot-path Go benchmarks (about 4 minutes); results in bench/results/
bench-micro: deps
	@mkdir -p bench/results
	@out=bench/results/$$(date -u +%Y%m%dT%H%M%SZ)-go.txt; \
	{ $(GO) test -run '^$$' -bench 'Decode' -benchmem -count 5 ./ingest && \
	  $(GO) test -run '^$$' -bench 'IngestFrontHalf' -benchtime 4000x -count 3 ./api && \
	  $(GO) test -run '^$$' -bench 'PipelineVsCopyCeiling' -benchtime 2x -count 3 ./ingest && \
	  $(GO) test -run '^$$' -bench 'CopyIndexChoice' -benchtime 40x -count 3 ./tsdb; } | tee $$out; \
	echo "results: $$out"

## bench-web: the dashboard in headless Chromium (about 5 minutes): the fleet page of 1000 agents, a host's
## 30 days of charts, the bundle's size; JSON in bench/results/
bench-web: deps build browser
	@mkdir -p bench/results
	$(GO) run ./cmd/monsys-bench web --hub-bin $(BIN)/monsys --results bench/results $(BENCHFLAGS)

clean:
	rm -rf $(BIN)
