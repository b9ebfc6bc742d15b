# Nagare — common tasks. `make test` is what CI runs (through scripts/test.sh).
SWIFT ?= swift

.PHONY: build debug test unit bench clean format setup

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

bench: build
	@if [ -x Benchmarks/run.sh ]; then Benchmarks/run.sh; else echo "no benchmarks yet (they arrive with the broker and the processor)"; exit 1; fi

format:
	$(SWIFT) format --in-place --recursive Sources Tests

clean:
	rm -rf .build test-artifacts
