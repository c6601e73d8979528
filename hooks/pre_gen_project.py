"""Refuse option combinations that would generate a broken project.

Runs before cookiecutter writes anything that stays: on a refusal it prints one paragraph per
problem (the option, the value, why, what to choose instead) and exits 1, and cookiecutter
removes the half-made directory. No traceback reaches the user (local_extensions.py).

Cookiecutter itself refuses a value outside a choice option's list, or a yes/no option that is
neither, before this hook runs.
"""

import json
import keyword
import re
import sys
import textwrap
import unicodedata

CONTEXT = json.loads({{ cookiecutter | jsonify | tojson }})

# Modules the generated project imports (or that pytest and manage.py find by name): a package
# with one of these names would shadow the real one on sys.path.
PROJECT_IMPORTS = {
    "config",
    "deploy",
    "django",
    "django_redis",
    "drf_spectacular",
    "environ",
    "gunicorn",
    "hiredis",
    "manage",
    "opentelemetry",
    "procrastinate",
    "prometheus_client",
    "psycopg",
    "psycopg_pool",
    "pytest",
    "pytest_django",
    "redis",
    "rest_framework",
    "rest_framework_simplejwt",
    "scripts",
    "test",
    "tests",
    "whitenoise",
    "zeal",
}

SLUG = re.compile(r"[a-z][a-z0-9_]*")
# The slug becomes part of hostnames and Kubernetes names, and of dotted paths in settings: the
# longest line, REST_FRAMEWORK's "<slug>.core.api.pagination.CursorPagination", is 72 columns
# plus the slug, and a generated line must fit ruff's 99.
MAX_SLUG_LENGTH = 25
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def suggest_slug(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")[:MAX_SLUG_LENGTH].rstrip("_") or "api"
    if not slug[0].isalpha():
        slug = f"api_{slug}"
    if slug in PROJECT_IMPORTS or slug in sys.stdlib_module_names or keyword.iskeyword(slug):
        slug = f"{slug}_api"
    return slug


def check_slug(slug: str) -> str | None:
    if not SLUG.fullmatch(slug) or keyword.iskeyword(slug):
        return (
            f'project_slug "{slug}" is not a lowercase Python identifier, so it cannot name the '
            "project's package. Use lowercase letters, digits and underscores, starting with a "
            f'letter, for example project_slug="{suggest_slug(slug)}".'
        )
    if slug.endswith("_") or "__" in slug or len(slug) > MAX_SLUG_LENGTH:
        return (
            f'project_slug "{slug}" becomes part of hostnames and Kubernetes names (as '
            f'"{slug.replace("_", "-")}"), which must not end in "-", repeat "--" or run long. '
            f"Use at most {MAX_SLUG_LENGTH} characters, single underscores between words, for "
            f'example project_slug="{suggest_slug(slug)}".'
        )
    if slug in PROJECT_IMPORTS or slug in sys.stdlib_module_names:
        return (
            f'project_slug "{slug}" would shadow the "{slug}" module that the generated project '
            "or Python itself imports, and the project would fail at its first import. Choose "
            f'another name, for example project_slug="{suggest_slug(slug)}".'
        )
    return None


def problems(ctx: dict) -> list[str]:
    found = []
    if not str(ctx["project_name"]).strip():
        found.append('project_name is empty. Give the project a name, for example "Acme API".')
    if problem := check_slug(str(ctx["project_slug"])):
        found.append(problem)

    if ctx["django_version"] == "6.1" and ctx["python_version"] == "3.11":
        found.append(
            'django_version "6.1" needs Python 3.12 or newer, and python_version is "3.11". '
            'Choose python_version="3.12" (or "3.13"), or keep Python 3.11 with '
            'django_version="5.2", the LTS release supported until April 2028.'
        )

    conn_max_age = str(ctx["conn_max_age"]).strip()
    if not re.fullmatch(r"[0-9]+", conn_max_age):
        found.append(
            f'conn_max_age "{conn_max_age}" is not a whole number of seconds. Choose 0 to close '
            "the connection after each request, or a number such as 60 to keep it open that long."
        )
    elif ctx["db_pooling"] == "django_pool" and int(conn_max_age) != 0:
        found.append(
            f'conn_max_age "{conn_max_age}" cannot be combined with db_pooling="django_pool": '
            "Django raises ImproperlyConfigured when its connection pool is used with a non-zero "
            'CONN_MAX_AGE, because the pool already keeps connections open. Choose conn_max_age="0"'
            ', or db_pooling="persistent" to keep one connection per thread for that long.'
        )

    for key in ("project_name", "description", "author_name", "author_email"):
        if any(unicodedata.category(char) == "Cc" for char in str(ctx[key])):
            found.append(
                f"{key} contains a control character (a newline, a tab...). It lands in "
                "one-line strings of Python, TOML and Markdown files: write it on one line, "
                "with spaces."
            )

    email = str(ctx["author_email"]).strip()
    if not EMAIL.fullmatch(email):
        found.append(
            f'author_email "{email}" is not an e-mail address. Give one such as '
            '"team@example.com"; it goes into pyproject.toml.'
        )
    return found


def main() -> int:
    found = problems(CONTEXT)
    if not found:
        return 0
    print(file=sys.stderr)
    for problem in found:
        print(textwrap.fill(f"Cannot generate the project: {problem}", width=88), file=sys.stderr)
        print(file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
