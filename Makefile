# Two commands for a new user: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-fast bench bench-quick install postgres chromium screenshots self-assessment clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## make run: install, load the catalogue and demo data, serve on http://127.0.0.1:8000 (SQLite)
## with the clock beside the server (advisories delivered, reminders and mail sent); Ctrl-C stops both
run: install
	$(BIN)/python -m service init
	$(BIN)/python -m service demo
	$(BIN)/python -m jobs & clock=$$!; trap 'kill $$clock 2>/dev/null; wait $$clock' EXIT; \
		MFA_REQUIRED_ROLES= $(BIN)/python -m service serve --host 127.0.0.1 --port 8000

## make test: the whole suite on SQLite and PostgreSQL
test: install postgres chromium
	$(BIN)/python -m pytest

## make test-fast: the same without the tests marked slow (browser, page crawl, generated client), for the edit-test loop
test-fast: install postgres
	$(BIN)/python -m pytest -m "not slow"

## make bench: measurements against the substrate (prints tables)
bench: install postgres
	$(BIN)/python -m bench $(BENCH_ARGS)

## make bench-quick: the same measurements at 2,000 engagements with fewer repeats (bench/README.md gives its run time)
bench-quick: install postgres
	$(BIN)/python -m bench --engagements 2000 --repeats 3 --commands 300 --requests 30 --warmup 3 \
		--asof-samples 15 --rebuild-budget 1 --load-requests 400 --load-seconds 6 --out bench/results/quick.md $(BENCH_ARGS)

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start" >&2; exit 1

## Debian's Chromium and a Japanese font for the browser tests (Playwright drives it; no browser is downloaded)
chromium:
	@command -v chromium >/dev/null && fc-list :lang=ja | grep -q . || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic)

## docs/screenshots/*.png from the demo (needs a Japanese font: fonts-ipafont-gothic)
screenshots: install chromium
	$(BIN)/python docs/take_screenshots.py

## docs/self-assessment.{xlsx,md}: the product answers the checklist for itself
self-assessment: install
	$(BIN)/python docs/self_assessment.py

clean:
	rm -rf $(VENV) var .pytest_cache
