# Developer commands. `make test` is what CI runs.

GO ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
MODERNIZE ?= golang.org/x/tools/go/analysis/passes/modernize/cmd/modernize@v0.53.0

# SPECS is your clone of https://github.com/Azure/azure-rest-api-specs, which
# holds Microsoft's Swagger files; API is the version to read from it (by
# default the one gen/ is generated from). Only make spec needs them; when
# SPECS is set, check-generate and the tests that compare our files with
# Microsoft's run too, and they are skipped otherwise.
SPECS ?=
API ?= $(shell sed -n 's/^const APIVersion = "\(.*\)"$$/\1/p' gen/version.gen.go)

# Tests and scripts find the upstream files through the environment.
export KVCERTS_SPECS := $(if $(SPECS),$(abspath $(SPECS)))
export KVCERTS_API := $(API)

.PHONY: all spec generate check-generate lint test demo examples bench

all: test

## spec: rebuild spec/keyvault-certificates.json from Microsoft's Swagger files (SPECS=<azure-rest-api-specs clone> API=<version>)
spec:
	@if [ -z "$(KVCERTS_SPECS)" ]; then \
		echo "make spec: set SPECS to your clone of https://github.com/Azure/azure-rest-api-specs, for example: make spec SPECS=../azure-rest-api-specs API=$(API)" >&2; exit 2; fi
	$(GO) run ./internal/specconv -specs "$(KVCERTS_SPECS)" -api "$(API)" -out spec/keyvault-certificates.json

## generate: rebuild gen/ from spec/ (no network, no upstream folder needed)
generate:
	$(GO) generate ./...

## check-generate: fail if spec/ or gen/ differ from what the generators produce
check-generate:
	./scripts/check-generate.sh

## lint: gofmt, go vet and staticcheck over everything, generated code included; modernize over both modules but gen/
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(MODERNIZE) $$($(GO) list ./... | grep -v '/gen$$')
	cd interop && $(GO) run $(MODERNIZE) ./...

## test: lint, check-generate and the race-enabled test suite, also of the interop module
# The scripts' tests regenerate and test copies of the module, which takes
# longer than go test's default 10 minutes on a busy machine.
test: lint check-generate
	$(GO) test -race -timeout 30m ./...
	cd interop && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./... && $(GO) test -race ./... && \
		$(GO) test -run='^$$' -bench=. -benchtime=1x ./bench/

# The runnable examples: every examples/<name>/main.go.
EXAMPLES := $(patsubst examples/%/main.go,%,$(wildcard examples/*/main.go))

## demo: run examples/hello_world (on the vault in AZURE_KEYVAULT_URL, else an in-process emulator)
demo:
	$(GO) run ./examples/hello_world

## examples: run every example against the in-process emulator
examples:
	@set -e; for e in $(EXAMPLES); do echo "== examples/$$e"; AZURE_KEYVAULT_URL= $(GO) run ./examples/$$e; done

BENCHSTAT ?= golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH ?= .
BENCH_COUNT ?= 8
BENCH_OUT ?= $(or $(TMPDIR),/tmp)/kvcerts-bench.txt
BENCH_BIN ?= $(or $(TMPDIR),/tmp)/kvcerts-bench.test

## bench: our client against Microsoft's SDK and the net/http floor, one table per benchmark (docs/BENCHMARKS.md)
# The rounds run one after another, each with every contender, so that a
# machine slowing down or speeding up over the minutes affects all alike.
bench:
	@echo "running the benchmarks in $(BENCH_COUNT) rounds (several minutes); raw results in $(BENCH_OUT)"
	cd interop && $(GO) test -c -o $(BENCH_BIN) ./bench/
	@: > $(BENCH_OUT); i=0; while [ $$i -lt $(BENCH_COUNT) ]; do i=$$((i+1)); \
		$(BENCH_BIN) -test.run='^$$' -test.bench='$(BENCH)' -test.benchmem >> $(BENCH_OUT) || { cat $(BENCH_OUT); exit 1; }; \
	done
	cd interop && $(GO) run $(BENCHSTAT) -format csv -col /client $(BENCH_OUT) 2>/dev/null | $(GO) run ./bench/cmd/benchtable
