# Street Level entry points. A fresh machine needs only python3 (uv is bootstrapped into .tools).
# Which uv, and how it is bootstrapped, is decided in one place: scripts/ensure-uv.sh (which
# scripts/stack uses too).
UV ?= $(shell scripts/ensure-uv.sh --path)
# Prerequisite that bootstraps uv, only when no uv was found.
UV_BOOTSTRAP := $(filter .tools/bin/uv,$(UV))

.PHONY: install run lint test bench

.tools/bin/uv:
	UV= scripts/ensure-uv.sh >/dev/null

install: $(UV_BOOTSTRAP)
	$(UV) sync --frozen --all-packages
	scripts/ensure-postgres.sh
	scripts/ensure-redis.sh
	scripts/ensure-prometheus.sh
	scripts/ensure-node.sh
	scripts/ensure-chromium.sh

run: $(UV_BOOTSTRAP)
	$(UV) run --frozen streetlevel serve

lint: $(UV_BOOTSTRAP)
	$(UV) run ruff check . && $(UV) run ruff format --check . && \
	$(UV) run mypy $(wildcard libs/*/src) $(wildcard services/*/src) platform/src && $(UV) run lint-imports

test: install lint
	UV=$(UV) scripts/test.sh

bench: install
	$(UV) run --frozen python bench/run.py
