"""Shape the generated project to the chosen options, then give it its own secrets.

1. Options with several choices keep their files in _variants/<option>/<choice>/: the chosen
   one is copied over the project and _variants/ is deleted.
2. Files of yes/no options that were not chosen are deleted (OPTIONAL_FILES below).
3. .env (gitignored) is written from .env.example with fresh secrets, and PgBouncer's user list
   with the same database password.
4. The next steps are printed.

Nothing here uses the network.
"""

import json
import secrets
import shutil
import sys
from pathlib import Path

CONTEXT = json.loads({{ cookiecutter | jsonify | tojson }})
PROJECT = Path.cwd()
SLUG = CONTEXT["project_slug"]

# Options whose choices are whole files under _variants/<option>/<choice>/.
VARIANT_OPTIONS = ("db_pooling", "auth")

# Files that exist only for a yes/no option: deleted when the option is off.
OPTIONAL_FILES = {
    "use_admin": ["tests/test_admin.py"],
    "use_prometheus": [
        f"{SLUG}/core/metrics.py",
        f"{SLUG}/core/multiprocess_metrics.py",
        "tests/test_metrics.py",
    ],
    "use_openapi": [
        "tests/test_openapi.py",
        f"{SLUG}/catalog/schema.py",
        "tests/catalog/test_schema.py",
    ],
    "example_api": [
        f"{SLUG}/catalog",
        "tests/catalog",
        "tests/topology/test_catalog.py",
        "scripts/bench_orm.py",
        "locustfile.py",
    ],
    "kubernetes": ["deploy/k8s", "tests/test_kubernetes.py"],
    "read_replica": [
        "config/settings/replica.py",
        f"{SLUG}/core/db_router.py",
        f"{SLUG}/core/read_your_writes.py",
        "tests/standby.py",
        "tests/test_read_replica.py",
    ],
}
# Sessions exist with session authentication or with the admin.
SESSION_FILES = ["tests/test_sessions.py"]
CI_FILES = {"github": ".github", "gitlab": ".gitlab-ci.yml"}

# Placeholders in .env.example that become fresh secrets in .env.
SECRET_PLACEHOLDERS = {
    "change-me-django-secret-key": 50,
    "change-me-postgres-password": 24,
    "change-me-redis-password": 24,
}


def is_on(option: str) -> bool:
    value = CONTEXT[option]
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "y", "1"}


def remove(relative: str) -> None:
    path = PROJECT / relative
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def apply_variants() -> None:
    variants = PROJECT / "_variants"
    for option in VARIANT_OPTIONS:
        chosen = variants / option / str(CONTEXT[option])
        shutil.copytree(chosen, PROJECT, dirs_exist_ok=True)
    shutil.rmtree(variants)


def remove_unchosen() -> None:
    for option, paths in OPTIONAL_FILES.items():
        if not is_on(option):
            for relative in paths:
                remove(relative)
    if CONTEXT["auth"] != "session" and not is_on("use_admin"):
        for relative in SESSION_FILES:
            remove(relative)
    for choice, relative in CI_FILES.items():
        if CONTEXT["ci"] != choice:
            remove(relative)


def write_secrets() -> None:
    values = {
        placeholder: secrets.token_urlsafe(length)
        for placeholder, length in SECRET_PLACEHOLDERS.items()
    }
    env = (PROJECT / ".env.example").read_text()
    for placeholder, value in values.items():
        env = env.replace(placeholder, value)
    dotenv = PROJECT / ".env"
    dotenv.write_text(env)
    dotenv.chmod(0o600)

    userlist = PROJECT / "deploy" / "pgbouncer" / "userlist.txt"
    password = values["change-me-postgres-password"]
    userlist.write_text(f'"{SLUG}" "{password}"\n')


def main() -> int:
    apply_variants()
    remove_unchosen()
    write_secrets()
    print(
        f"\nGenerated {CONTEXT['project_name']} in {PROJECT}\n\n"
        "Next steps:\n"
        f"  cd {PROJECT.name}\n"
        "  make install   # dependencies into .venv (uv)\n"
        "  make test      # the test suite, against PostgreSQL and Redis on 127.0.0.1\n"
        "  make up        # the whole stack in Docker, served by nginx on http://localhost:8080\n\n"
        ".env holds fresh secrets for compose and is gitignored; .env.example documents every "
        "variable.\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
