# The template's own checks. Needs python3, and PostgreSQL and Redis on 127.0.0.1 (user postgres,
# trust); everything else is installed here (uv) or named in one line (the Debian packages).
.PHONY: test test-fast lint bake bench programs

# uv runs everything: the one on PATH, or else one installed into .tools/uv on first use. Not
# into pyenv's Python: pip there makes uv a pyenv shim, which pins PYENV_VERSION to one Python.
ifeq ($(shell uv --version 2>/dev/null),)
export PATH := $(CURDIR)/.tools/uv/bin:$(PATH)
UV := .tools/uv/bin/uv
endif

# pyenv's shims answer only for the active Python: python3.12 fails while 3.11 is active. uv
# finds every version pyenv has in their own directories, after everything else on PATH.
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null)
export PATH := $(PATH)$(subst $() ,,$(addprefix :,$(wildcard $(PYENV_ROOT)/versions/3.*/bin)))

# Programs the tests run besides PostgreSQL and Redis, as program:Debian package. The tests of
# a missing one skip, naming it; with REQUIRE_ALL_PROGRAMS=1 (CI) a missing one fails the run,
# unless ALLOW_MISSING_PROGRAMS names it.
PROGRAMS := pgbouncer:pgbouncer nginx:nginx-light redis-server:redis-server kubectl:kubectl wrk:wrk

test: programs $(UV)  ## Every check: hooks, the render matrix and each generated project's own suite
	uv run pytest $(PYTEST_ARGS)

test-fast: programs $(UV)  ## Hooks and static checks of each rendered project, without their suites
	uv run pytest -m "not suite" $(PYTEST_ARGS)

lint: $(UV)
	uv run ruff check tests bench
	uv run ruff format --check tests bench

bake: $(UV)  ## Generate the default project into /tmp/baked
	uv run cookiecutter --no-input --overwrite-if-exists . -o /tmp/baked

# Not part of `test`: about 10 minutes. BENCH_SECONDS=2 BENCH_ROUNDS=1 for a quick look;
# BENCH_STRICT=1 to exit 1 on a missed target; wrk needed.
bench: $(UV)  ## Benchmark the default project against a bare WSGI app and Django's defaults
	uv run python bench/run.py

.tools/uv/bin/uv:
	@python3 -m pip --version >/dev/null 2>&1 || \
	  { echo "make: installing uv needs pip: apt-get install python3-pip (or install uv)"; exit 1; }
	python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target .tools/uv uv

programs:
	@missing=; required=; \
	for entry in $(PROGRAMS); do \
	  program=$${entry%%:*}; \
	  command -v $$program >/dev/null && continue; \
	  missing="$$missing $${entry#*:}"; \
	  case " $$ALLOW_MISSING_PROGRAMS " in *" $$program "*) ;; *) required=1 ;; esac; \
	done; \
	case "$$missing" in *kubectl*) missing="$$missing (kubectl: from pkgs.k8s.io's repository)" ;; esac; \
	if [ -z "$$missing" ]; then exit 0; \
	elif [ "$$REQUIRE_ALL_PROGRAMS" = 1 ] && [ -n "$$required" ]; then \
	  echo "make: REQUIRE_ALL_PROGRAMS=1, and programs the tests run are missing: apt-get install$$missing"; \
	  exit 1; \
	else \
	  echo "notice: the tests that run these programs will skip; to run them: apt-get install$$missing"; \
	fi
