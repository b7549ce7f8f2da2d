# Jiceng — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
CARGO ?= cargo
LISTEN ?= 127.0.0.1:8080

CHROMIUM ?= /usr/bin/chromium
# Where cargo puts its builds (CARGO_TARGET_DIR or target/).
TARGET_DIR = $(shell $(CARGO) metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

.PHONY: run build web test test-browser lint bench bench-ui clean

## Build the web UI and the release binary, and serve the demo county on SQLite at http://$(LISTEN).
run: build
	$(TARGET_DIR)/release/jiceng serve --demo --insecure-cookies --listen $(LISTEN)

build: web
	$(CARGO) build --release -p jiceng

## The web UI into web/dist, which the binary carries. Without Node.js the binary is built
## without it (its pages then say how to build it).
web:
	@if ! command -v npm >/dev/null; then \
	  echo "Node.js: npm is not installed, building without the web UI (apt install nodejs npm)."; \
	else \
	  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then \
	    (cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
	  fi; \
	  (cd web && npm run --silent build) || exit 1; \
	fi

## The whole test suite. PostgreSQL tests run when JICENG_TEST_POSTGRES_URL is set; browser
## tests when Node.js and Chromium are installed.
test: web
	@if [ -z "$$JICENG_TEST_POSTGRES_URL" ]; then \
	  echo "PostgreSQL: JICENG_TEST_POSTGRES_URL is not set, skipping the PostgreSQL storage and API tests (SQLite tests run)."; \
	fi
	$(CARGO) test --workspace
	$(MAKE) --no-print-directory test-browser

## Playwright in Chromium against the debug binary on a fresh demo county.
test-browser:
	@if ! command -v npm >/dev/null; then \
	  echo "Browser tests: Node.js is not installed, skipping them (apt install nodejs npm)."; exit 0; \
	fi; \
	if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Browser tests: no Chromium at $(CHROMIUM), skipping them (apt install chromium fonts-noto-cjk)."; exit 0; \
	fi; \
	$(CARGO) build -p jiceng && \
	cd web && CHROMIUM="$(CHROMIUM)" JICENG_BIN="$(TARGET_DIR)/debug/jiceng" npx playwright test

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
	$(MAKE) --no-print-directory bench-ui

## The web UI on a million orders (report in bench/out/ui.md): the handler's inbox and the filtered
## order list in Chromium beside their bare API requests, and the compressed JavaScript of the
## portal's and the console's first pages. BENCH_UI_ORDERS sets the size of the county.
BENCH_UI_ORDERS ?= 1000000
bench-ui: build
	mkdir -p bench/out
	D=$$(mktemp -d "$${TMPDIR:-/tmp}/jiceng-bench-ui.XXXXXX") && trap 'rm -rf "$$D"' EXIT && \
	$(TARGET_DIR)/release/jiceng demo --data-dir "$$D" && \
	python3 scripts/ui-bench-data.py "$$D" --orders $(BENCH_UI_ORDERS) && \
	(cd web && CHROMIUM="$(CHROMIUM)" JICENG_BIN="$(TARGET_DIR)/release/jiceng" JICENG_BENCH_DATA="$$D" \
	  npx playwright test -c playwright.bench.config.ts)

clean:
	$(CARGO) clean
