# The template's own checks. Needs PostgreSQL and Redis on 127.0.0.1 and Debian's pgbouncer.
.PHONY: test test-fast lint bake bench

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
