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

## Build everything with the CI flags, lint, fetch the MaxMind test databases, start the peers
## (medallion), run every test suite against the shared corpus, and stop the peers whether the tests
## pass or not. Suites that hold sockets and wall-clock deadlines (the HTTP server, the outbound client,
## pollers, listeners) run in their own processes first: with hundreds of other tests running at once,
## the 2-thread cooperative pool of this 2-core machine starves their timers and blocking clients.
TIMED_SUITES := URLSessionHTTPClientTests|PollerServiceTests|QRadarPollerTests|SentinelPollerTests|SyslogListenerTests|ListenerAPITests
test: bootstrap
	$(SWIFT) build --build-tests $(CI_FLAGS)
	$(SWIFT) format lint --strict --recursive Sources Tests Benchmarks Package.swift
	scripts/check-imports
	scripts/mmdb-testdata
	scripts/peers start
	status=0; \
	  $(SWIFT) test --skip-build --filter RiposteHTTPTests || status=$$?; \
	  $(SWIFT) test --skip-build --filter '$(TIMED_SUITES)' || status=$$?; \
	  $(SWIFT) test --skip-build --skip 'RiposteHTTPTests|$(TIMED_SUITES)' || status=$$?; \
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
