# The two commands a new machine needs: `make run` and `make test`. Both run scripts/bootstrap first.
SWIFT ?= swift
CI_FLAGS := -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error
DATA ?= ./riposte-data
LISTEN ?= 127.0.0.1:8080

.PHONY: bootstrap build run test lint format bench clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build -c release --product riposte

## Start Riposte on the embedded SQLite store in $(DATA), listening on $(LISTEN).
run: build
	.build/release/riposte serve --data $(DATA) --listen $(LISTEN)

## Build everything with the CI flags, lint, start the peers (medallion), run every test suite against
## the shared corpus, and stop the peers whether the tests pass or not. The HTTP server's socket tests
## run on their own first: their blocking test clients must not compete for the 2-thread cooperative
## pool with the hundreds of other tests Swift Testing runs concurrently.
test: bootstrap
	$(SWIFT) build --build-tests $(CI_FLAGS)
	$(SWIFT) format lint --strict --recursive Sources Tests Benchmarks Package.swift
	scripts/check-imports
	scripts/mmdb-testdata
	scripts/peers start
	status=0; \
	  $(SWIFT) test --skip-build --filter RiposteHTTPTests || status=$$?; \
	  $(SWIFT) test --skip-build --skip RiposteHTTPTests || status=$$?; \
	  scripts/peers stop; exit $$status

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Benchmarks Package.swift

format:
	$(SWIFT) format format --in-place --recursive Sources Tests Benchmarks Package.swift

## Release-mode benchmarks; see Benchmarks/README.md. TAXIIBenchmark pulls from medallion (scripts/peers).
bench: bootstrap
	$(SWIFT) build -c release
	.build/release/IntelIndexBenchmark
	.build/release/IngestBenchmark
	.build/release/StartupBenchmark
	scripts/peers start
	status=0; .build/release/TAXIIBenchmark || status=$$?; scripts/peers stop; exit $$status

clean:
	rm -rf .build
