# SkillBridge — `make run` serves the demo, `make test` runs the suite, `make bench` the benchmarks.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
FLASK   := $(VENV)/bin/flask --app app
HOST    ?= 127.0.0.1
PORT    ?= 5000
STAMP   := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Links printed on certificates (QR codes) point at the address `make run` serves.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
# Debian packages: certificate PDFs need the CJK font and pango; the tests also drive Chromium
# and read PDFs with poppler; the demo makes its lesson videos with ffmpeg. Installed only when
# missing and we are root (see system-packages).
RUN_PACKAGES  := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 ffmpeg
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils
PKGS := $(RUN_PACKAGES)

.PHONY: install install-test system-packages run test test-e2e bench lint translations translations-update clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)

# The app's own dependencies only: `make run` does not wait for the test tools.
$(STAMP): pyproject.toml $(VENV)/bin/python
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(PIP) install --quiet -e '.[test]'
	touch $(TEST_STAMP)

## install: virtualenv in .venv/ with the app's dependencies (idempotent), compiled translations
install: system-packages $(STAMP) translations

## install-test: install plus what the tests need (pytest, Playwright, hypothesis, ruff)
install-test: install $(TEST_STAMP)

## system-packages: the Debian packages in PKGS, installed only when missing and we are root
## with apt-get; otherwise a note and nothing else
system-packages:
	@missing=""; for p in $(PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Note: missing Debian packages$$missing (not root: skipped; see README)"; fi; fi

## translations: compile every feature's .po catalogue into .mo
translations: $(STAMP)
	$(PY) tools/i18n.py compile

## translations-update: extract strings into each feature's catalogue (then translate the zh .po)
translations-update: $(STAMP)
	$(PY) tools/i18n.py update

## run: migrate the SQLite database in instance/, load demo data if empty, serve on :5000
run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(FLASK) run --host $(HOST) --port $(PORT)

## node_modules: test-only browser tools from the npm registry (axe-core for tests/e2e)
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

## test: the whole suite (SQLite; PostgreSQL when TEST_DATABASE_URL is set)
test: PKGS := $(TEST_PACKAGES)
test: install-test node_modules/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

## bench: load benchmarks (writes bench/RESULTS.md figures); `make bench QUICK=1` in < 10 min
# QUICK keeps the menu and exam tables' layout with smaller ingest and PDF runs, and skips
# the reports bench (it loads the large data set).
QUICK_ENV := BENCH_QUICK=1 BENCH_COURSES=10000 BENCH_EXAM_TRAINEES=2000 BENCH_DURATION=5s \
	BENCH_VIEWERS=1000 BENCH_ADAPTER_VIEWERS=200 BENCH_CERT_RENDERS=200 BENCH_CERT_BULK=200
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(TEST_STAMP)
	$(PIP) install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: install-test $(BENCH_STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "bench needs wrk (apt-get install wrk)"; exit 1; }
	@command -v redis-server >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq redis-server >/dev/null && service redis-server start; } \
		|| { echo "bench needs Redis (apt-get install redis-server)"; exit 1; }
	@[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq fonts-wqy-microhei >/dev/null; } \
		|| echo "no ReportLab reference row: apt-get install fonts-wqy-microhei"
	$(if $(QUICK),env $(QUICK_ENV)) $(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache node_modules
