# Jiceng — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
CARGO ?= cargo
LISTEN ?= 127.0.0.1:8080

.PHONY: run build test lint bench clean

## Build the release binary and serve the demo county on SQLite at http://$(LISTEN).
run: build
	./target/release/jiceng serve --demo --insecure-cookies --listen $(LISTEN)

build:
	$(CARGO) build --release -p jiceng

## The whole test suite. PostgreSQL tests run when JICENG_TEST_POSTGRES_URL is set.
test:
	@if [ -z "$$JICENG_TEST_POSTGRES_URL" ]; then \
	  echo "PostgreSQL: JICENG_TEST_POSTGRES_URL is not set, skipping the PostgreSQL storage and API tests (SQLite tests run)."; \
	fi
	$(CARGO) test --workspace

lint:
	python3 scripts/check-architecture.py
	python3 scripts/check-county-keys.py --self-test
	python3 scripts/check-county-keys.py
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	scripts/deny.sh

## Benchmarks, each beside its baseline measured in the same run; report in bench/out/.
bench:
	mkdir -p bench/out
	$(CARGO) bench -p jiceng-store --bench storage -- | tee bench/out/storage.md
	$(CARGO) bench -p jiceng-server --bench intake -- | tee bench/out/intake.md
	$(CARGO) bench -p jiceng-store --bench lists -- | tee bench/out/lists.md
	$(CARGO) bench -p jiceng-store --bench audit -- | tee bench/out/audit.md
	$(CARGO) bench -p jiceng-store --bench sweeper -- | tee bench/out/sweeper.md
	$(CARGO) bench -p jiceng-store --bench province -- | tee bench/out/province.md
	$(CARGO) bench -p jiceng-orders --bench duty -- | tee bench/out/duty.md
	$(CARGO) bench -p jiceng-geo --bench locate -- | tee bench/out/geo.md
	$(CARGO) bench -p jiceng-nlp --bench duplicates -- | tee bench/out/duplicates.md
	$(CARGO) bench -p jiceng-store --bench duplicates -- | tee -a bench/out/duplicates.md
	test -x bench/.venv/bin/python || python3 -m venv bench/.venv
	bench/.venv/bin/pip install --quiet scikit-learn
	$(CARGO) bench -p jiceng-nlp --bench classifier -- | tee bench/out/classifier.md
	$(CARGO) bench -p jiceng --bench load -- | tee bench/out/load.md

clean:
	$(CARGO) clean
