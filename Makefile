# Street Level entry points. A fresh machine needs only python3 (uv is bootstrapped into .tools).
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
# Prerequisite that bootstraps uv, only when no uv was found.
UV_BOOTSTRAP := $(filter .tools/bin/uv,$(UV))

.PHONY: install run lint test bench

.tools/bin/uv:
	python3 -m venv .tools && .tools/bin/pip install -q uv==0.13.9

install: $(UV_BOOTSTRAP)
	$(UV) sync --frozen --all-packages
	scripts/ensure-postgres.sh
	scripts/ensure-redis.sh
	scripts/ensure-node.sh
	scripts/ensure-chromium.sh

run: $(UV_BOOTSTRAP)
	$(UV) run --frozen streetlevel serve

lint: $(UV_BOOTSTRAP)
	$(UV) run ruff check . && $(UV) run ruff format --check . && \
	$(UV) run mypy libs/common/src $(wildcard services/*/src) && $(UV) run lint-imports

test: install lint
	UV=$(UV) scripts/test.sh

bench: install
	$(UV) run --frozen python bench/run.py
