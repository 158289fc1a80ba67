# The two commands: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
UV_VERSION := 0.13.8
# Use a uv already on PATH; otherwise bootstrap one into .tools/ from PyPI.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
RUN := $(UV) run --frozen --no-sync

.PHONY: help install install-browser install-redis install-nginx wacz-tool pywb-tool aws-tool scrapy-redis-tool demo test check lint typecheck pytest bench bench-real bench-render clean

help:
	@echo "make demo   install, serve the bundled demo news site, crawl it into ./data"
	@echo "make test   install everything the tests need (chromium included), lint, type-check, run the suite"
	@echo "make bench  run the benchmarks in bench/ (make bench-render for the browser one)"

$(CURDIR)/.tools/bin/uv:
	@# Debian splits venv support into python3-venv; install it when it is missing.
	$(PYTHON) -m venv .tools || { rm -rf .tools; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-venv >/dev/null \
	  && $(PYTHON) -m venv .tools; }
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

# The project environment, exactly as locked.
# Bytecode is compiled at install time: where PYTHONDONTWRITEBYTECODE is set (as on our CI
# machines) every run would otherwise recompile every module it imports (~1.5 s per start).
.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --compile-bytecode
	$(RUN) python -m compileall -q crawler spiders pipelines settings >/dev/null
	@touch $@

install: .venv/.installed

# Debian's chromium for the browser tests (playwright's own browser download cannot work here).
install-browser:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	echo "Installing Debian's chromium (needed by the browser tests)"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	else echo "warning: cannot install chromium (not root, no sudo): browser tests will be skipped"; exit 0; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

# Debian's redis-server for the Redis frontier's tests (they start their own on 127.0.0.1).
install-redis:
	@if command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ]; then exit 0; fi; \
	echo "Installing Debian's redis-server (needed by the Redis frontier tests)"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	else echo "warning: cannot install redis-server (not root, no sudo): Redis tests will be skipped"; exit 0; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null

# webrecorder's wacz tool (`newsarc crawl --wacz`, WACZ tests), in its own environment so its
# pins never touch the project's (as pywb would need, see PERFORMANCE.md).
WACZ_VERSION := 0.6.0
PYWB_VERSION := 2.10.0
.tools/wacz/bin/wacz: | $(UV)
	$(UV) venv -q .tools/wacz
	$(UV) pip install -q --python .tools/wacz/bin/python "wacz==$(WACZ_VERSION)"

wacz-tool: .tools/wacz/bin/wacz

# pywb, for the replay test, in its own environment too: it pins old redis/werkzeug/pyOpenSSL.
.tools/pywb/bin/wayback: | $(UV)
	$(UV) venv -q .tools/pywb
	$(UV) pip install -q --python .tools/pywb/bin/python "pywb==$(PYWB_VERSION)"

pywb-tool: .tools/pywb/bin/wayback

# The AWS CLI, the baseline of bench/datasets.py (`aws s3 sync`), in its own environment too: it
# pins its own botocore, which must never replace the project's.
AWSCLI_VERSION := 1.46.2
.tools/awscli/bin/aws: | $(UV)
	$(UV) venv -q .tools/awscli
	$(UV) pip install -q --python .tools/awscli/bin/python "awscli==$(AWSCLI_VERSION)"

aws-tool: .tools/awscli/bin/aws

# scrapy-redis, the baseline of bench/workers.py, in its own environment: it brings its own
# Scrapy, which must never replace the project's.
SCRAPY_REDIS_VERSION := 0.9.1
.tools/scrapy-redis/bin/scrapy: | $(UV)
	$(UV) venv -q .tools/scrapy-redis
	$(UV) pip install -q --python .tools/scrapy-redis/bin/python "scrapy-redis==$(SCRAPY_REDIS_VERSION)"

scrapy-redis-tool: .tools/scrapy-redis/bin/scrapy

demo: install
	$(RUN) newsarc demo

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: install
	$(RUN) mypy

# The suite runs in TEST_WORKERS processes (pytest-xdist), one test file per worker at a time:
# most of its time is spent waiting on crawls in subprocesses, not on the CPU
# (`make pytest TEST_WORKERS=0` runs it in this process alone).
TEST_WORKERS ?= 3
pytest: install install-browser install-redis wacz-tool pywb-tool
	$(RUN) pytest $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile)

check: lint typecheck

test: install install-browser install-redis wacz-tool pywb-tool lint typecheck pytest

# Benchmarks: each runs newsarc and its baseline side by side in one run and prints ratios.
# Debian's nginx serves the crawl benchmark's site as static files (as the issue measured).
install-nginx:
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then exit 0; fi; \
	echo "Installing Debian's nginx (serves the crawl benchmark's site)"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx >/dev/null

bench: install install-nginx aws-tool
	$(RUN) python bench/crawl_throughput.py
	$(RUN) python bench/extraction.py
	$(RUN) python bench/bad_input.py
	$(RUN) python bench/warc_write.py
	$(RUN) python bench/s3_upload.py
	$(RUN) python bench/datasets.py
	$(RUN) python bench/fixture_sites.py
	$(RUN) python bench/scheduled_runs.py

# Extraction on the real page sets in ../shared/benchmarks, beside trafilatura and readability-lxml.
# readability-lxml joins for this run only (locked, it would pull cssselect down for everyone).
bench-real: install
	$(UV) run --frozen --with "readability-lxml==0.9" python -m bench.realpages

# Rendering takes minutes (1,000 pages through chromium): its own target.
bench-render: install install-browser
	$(RUN) python bench/render_throughput.py

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache data
