# The template's own checks. Needs PostgreSQL and Redis on 127.0.0.1 and Debian's pgbouncer.
.PHONY: test test-fast lint bake bench

# pyenv's shims answer only for the active version: let uv find every 3.11, 3.12 and 3.13 that
# pyenv has, since generated projects ask for any of them.
PYENV_PYTHONS := $(shell pyenv versions --bare --skip-aliases 2>/dev/null \
	| grep -E '^3\.1[123]\.[0-9]+$$' | sort -V | paste -sd: -)
ifneq ($(PYENV_PYTHONS),)
export PYENV_VERSION := $(if $(PYENV_VERSION),$(PYENV_VERSION):)$(PYENV_PYTHONS)
endif
# Generated projects never download an interpreter: they use one of those.
export UV_PYTHON_DOWNLOADS ?= never

test:  ## Every check: hooks, the render matrix and each generated project's own suite
	uv run pytest $(PYTEST_ARGS)

test-fast:  ## Hooks and static checks of each rendered project, without their suites
	uv run pytest -m "not suite" $(PYTEST_ARGS)

lint:
	uv run ruff check tests bench
	uv run ruff format --check tests bench

bake:  ## Generate the default project into /tmp/baked
	uv run cookiecutter --no-input --overwrite-if-exists . -o /tmp/baked

# Not part of `test`: about 8 minutes. BENCH_SECONDS=2 BENCH_ROUNDS=1 for a quick look; wrk needed.
bench:  ## Benchmark the default project against a bare WSGI app and Django's defaults
	uv run python bench/run.py
