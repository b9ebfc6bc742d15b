# Nagare — common tasks. `make test` is what CI runs (through scripts/test.sh).
SWIFT ?= swift

.PHONY: build debug test unit bench clean format setup fuzz

build: setup
	$(SWIFT) build -c release --product nagare
	@echo "built .build/release/nagare"

debug:
	$(SWIFT) build --product nagare

setup:
	scripts/setup.sh

test:
	scripts/test.sh

unit:
	$(SWIFT) test

# `nagare bench all` in release (about 5 minutes on 2 cores); BENCH_ARGS passes options to it.
bench: build
	Benchmarks/run.sh $(BENCH_ARGS)

# libFuzzer targets for the wire decoders (Fuzz/, Linux only): each runs for FUZZ_SECONDS from
# the committed seeds in Fuzz/Corpus/<target>, keeping what it finds in Fuzz/.build/corpus and
# any crashing input in Fuzz/.build/crashes. The flags, for Swift 6.3 on Linux:
# - `--sanitize=fuzzer` tells SwiftPM it links for libFuzzer; otherwise it links executables with
#   `--defsym main=<Target>_main`, which a `-parse-as-library` target never defines.
# - `-Xswiftc -sanitize=fuzzer,address` as well, in one flag: SwiftPM passes each `--sanitize` as a
#   separate `-sanitize=`, in no fixed order, and swiftc keeps only the last, so
#   `--sanitize=fuzzer --sanitize=address` builds without coverage half of the time.
# - lld because gold warns about a symbol in the ASan runtime, and --no-gc-sections because lld,
#   unlike gold, drops the coverage counters as unreferenced.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = FuzzRequestFrame FuzzRecordBatch
FUZZ_BUILD = $(SWIFT) build --package-path Fuzz -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
	-Xswiftc -use-ld=lld -Xlinker --no-gc-sections

fuzz:
	@for t in $(FUZZ_TARGETS); do $(FUZZ_BUILD) --product $$t || exit 1; done
	@bin=$$($(FUZZ_BUILD) --show-bin-path) && for t in $(FUZZ_TARGETS); do \
		mkdir -p Fuzz/.build/corpus/$$t Fuzz/.build/crashes/$$t && \
		echo "fuzzing $$t for $(FUZZ_SECONDS)s" && \
		$$bin/$$t Fuzz/.build/corpus/$$t Fuzz/Corpus/$$t -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=Fuzz/.build/crashes/$$t/ -print_final_stats=1 || exit 1; \
	done

format:
	$(SWIFT) format --in-place --recursive Sources Tests

clean:
	rm -rf .build test-artifacts
