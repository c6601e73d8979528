"""Shape the generated project to the chosen options, then give it its own secrets.

1. A file that not every project gets lives under _when/<option>=<choice>/ at the path it
   lands on; a folder name may join conditions with commas
   (_when/db_pooling=pgbouncer,kubernetes=yes/). The folders whose conditions all hold are
   copied over the project, and _when/ is deleted. Yes/no options read "yes" or "no".
2. .env (gitignored) is written from .env.example with fresh secrets.
3. .cruft.json records the template's source, commit and every answer, so that `cruft diff`
   and `cruft update` can bring later template changes in as a reviewable diff.
4. The next steps are printed. When cruft generates (create, diff, update), 3 and 4 are its.

Nothing here uses the network.
"""

import json
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from cookiecutter.config import BUILTIN_ABBREVIATIONS
from cookiecutter.repository import expand_abbreviations

CONTEXT = json.loads({{ cookiecutter | jsonify | tojson }})
TEMPLATE_DIRECTORY = Path({{ template_directory | tojson }})
PROJECT = Path.cwd()
# Where cookiecutter ran, true only on this machine: not recorded in .cruft.json.
MACHINE_LOCAL_KEYS = {"_output_dir", "_repo_dir", "_checkout"}

# Placeholders in .env.example that become fresh secrets in .env.
SECRET_PLACEHOLDERS = {
    "change-me-django-secret-key": 50,
    "change-me-postgres-admin-password": 24,
    "change-me-postgres-password": 24,
    "change-me-pgbouncer-admin-password": 24,
    "change-me-pgbouncer-stats-password": 24,
    "change-me-redis-password": 24,
    "change-me-metrics-token": 32,
}


def is_on(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "y", "1"}


def choices() -> dict[str, str]:
    """Each option's choice as a folder name under _when/ spells it. Derived options, declared
    once in cookiecutter.json as private "__" variables (__sessions), drop the underscores."""
    return {
        key.removeprefix("__"): ("yes" if is_on(value) else "no")
        if isinstance(value, bool)
        else str(value)
        for key, value in CONTEXT.items()
        if isinstance(value, bool | str) and (key.startswith("__") or not key.startswith("_"))
    }


def conditions(folder: str) -> dict[str, str]:
    return dict(condition.split("=", 1) for condition in folder.split(","))


def apply_when() -> None:
    when = PROJECT / "_when"
    chosen = choices()
    for folder in sorted(when.iterdir(), key=lambda path: len(conditions(path.name))):
        required = conditions(folder.name)
        unknown = required.keys() - chosen.keys()
        if unknown:
            raise SystemExit(f"_when/{folder.name}: no option named {', '.join(sorted(unknown))}")
        if all(chosen[key] == value for key, value in required.items()):
            shutil.copytree(folder, PROJECT, dirs_exist_ok=True)
    shutil.rmtree(when)


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


def template_commit() -> str | None:
    """The template's commit: a local checkout's HEAD, or that of cookiecutter's clone."""
    result = subprocess.run(
        ["git", "-C", str(TEMPLATE_DIRECTORY), "rev-parse", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def write_cruft_state() -> None:
    """.cruft.json in cruft's own format, as `cruft create` would write it."""
    template = str(CONTEXT["_template"])
    if CONTEXT.get("_repo_dir") == template:
        # A local template, used in place: its absolute path, not the one typed.
        source = str(TEMPLATE_DIRECTORY)
    else:
        # A repository cookiecutter cloned: its URL ("gh:org/repo" spelled out for git).
        source = expand_abbreviations(template, BUILTIN_ABBREVIATIONS)
    commit = template_commit()
    answers = {key: value for key, value in CONTEXT.items() if key not in MACHINE_LOCAL_KEYS}
    state = {
        "template": source,
        "commit": commit,
        "checkout": CONTEXT.get("_checkout"),
        "context": {"cookiecutter": {**answers, "_template": source, "_commit": commit}},
        "directory": None,
        # Secrets made at generation: a regenerated copy has others, never a change to take.
        "skip": [".env"],
    }
    (PROJECT / ".cruft.json").write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n")


def generated_by_cruft() -> bool:
    """cruft generates with its own context, which carries the commit (create, diff, update)."""
    return "_commit" in CONTEXT


def main() -> int:
    apply_when()
    write_secrets()
    if generated_by_cruft():
        return 0  # cruft writes .cruft.json itself, and `cruft diff` prints only the diff.
    write_cruft_state()
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
