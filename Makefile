# The two commands of the README: `make run` and `make test`.
SWIFT ?= swift
ARGS ?=

.PHONY: setup build run test check-generated generate clean sanitize fuzz

setup:
	@bash scripts/setup

build: setup
	$(SWIFT) build

# Starts the server on 127.0.0.1:7411 with ./taskmanager.db (see `taskmanager serve --help`).
run: build
	$(SWIFT) run taskmanager serve $(ARGS)

# The whole suite: generated code is current, then every Swift test target, then the workers of every
# language against a real server. The CLI and worker tests run the built binaries, so they are built first.
# The PostgreSQL store's suites, and the worker tests (for the multi-instance test, clients/tests/
# test_postgres_instances.py), run against a throw-away cluster (scripts/postgres-test-cluster), which fails them
# rather than skipping them when it cannot start.
test: setup
	bash scripts/check-generated
	python3 scripts/generate-store-suites --check
	$(SWIFT) build
	TASKMANAGER_REQUIRE_POSTGRES=1 bash scripts/postgres-test-cluster $(SWIFT) test --disable-swift-testing
	$(MAKE) fuzz FUZZ_SECONDS=$(CI_FUZZ_SECONDS)
	$(MAKE) -C clients/c
	TASKMANAGER_REQUIRE_POSTGRES=1 bash scripts/postgres-test-cluster /usr/bin/python3 -m pytest clients/tests -q -p no:cacheprovider

# libFuzzer targets (Fuzz/, built into .build-fuzz with -sanitize=fuzzer,address), each run for FUZZ_SECONDS from its
# seed corpus; fails on any crash, leak or timeout. `make test` runs them for CI_FUZZ_SECONDS each.
# See docs/security.md#fuzzing.
FUZZ_SECONDS ?= 30
CI_FUZZ_SECONDS ?= 15
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz

generate:
	bash scripts/generate

check-generated:
	bash scripts/check-generated

clean:
	rm -rf .build .build-fuzz

# The Swift tests again under AddressSanitizer with LeakSanitizer (a separate build in .build-asan; slow, not in CI):
# every unpacked protobuf-c message must be freed on every path.
sanitize: setup
	$(SWIFT) build --scratch-path .build-asan --sanitize=address --build-tests
	# Leaks inside XCTest and Foundation (Process, String(contentsOf:)) are theirs, not ours. The Swift runtime
	# keeps a weak reference's side table behind a tagged pointer in the object's reference count, which
	# LeakSanitizer cannot follow: an object with weak references still alive at exit (the `taskmanager serve`
	# processes of the CLI tests inherit these options) shows its side table as leaked.
	printf 'leak:libXCTest.so\nleak:libFoundation.so\nleak:libFoundationEssentials.so\nleak:formWeakReference\n' > .build-asan/lsan.supp
	LSAN_OPTIONS=suppressions=$(CURDIR)/.build-asan/lsan.supp .build-asan/debug/TaskManagerPackageTests.xctest
