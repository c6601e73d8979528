"""Each combination of the matrix renders into a project that passes its own checks."""

import re
import shutil

import pytest
from packaging.requirements import Requirement

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 20 + "-a-production-secret-key-of-more-than-fifty-chars",
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
}
LEFTOVER = re.compile(r"{%|%}|{{\s*cookiecutter|cookiecutter\.")
TEXT_SUFFIXES = {".py", ".toml", ".ini", ".conf", ".yaml", ".yml", ".md", ".txt", ".cfg", ""}


def text_files(root):
    for path in root.rglob("*"):
        if ".venv" in path.parts or not path.is_file():
            continue
        if path.suffix in TEXT_SUFFIXES or path.name.startswith("."):
            yield path


def test_no_template_syntax_is_left_over(project):
    leftovers = [
        f"{path.relative_to(project.path)}: {line.strip()}"
        for path in text_files(project.path)
        for line in path.read_text(errors="replace").splitlines()
        if LEFTOVER.search(line)
    ]
    assert leftovers == []


def test_ruff_finds_nothing_to_fix_or_reformat(project):
    project.uv_run("ruff", "check", ".")
    project.uv_run("ruff", "format", "--check", ".")


def test_every_module_compiles(project):
    project.uv_run("python", "-m", "compileall", "-q", "config", project.slug, "tests")


def test_django_system_checks_pass(project):
    project.uv_run("python", "manage.py", "check", "--fail-level", "WARNING")


def test_production_settings_pass_the_deploy_check(project):
    project.uv_run(
        "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV
    )


def test_mypy_finds_no_type_error(project):
    project.run("make", "typecheck")


def test_the_pre_commit_hooks_pass_on_every_file(project):
    # pre-commit reads the files git knows: the project as a team's first commit would hold it.
    project.run("git", "init", "--quiet")
    project.run("git", "add", "--all")
    project.uv_run("pre-commit", "run", "--all-files")


def test_make_migrate_creates_the_database_on_a_fresh_server(project):
    direct_url = f"postgres://postgres@127.0.0.1:5432/{project.slug}"
    drop = f'DROP DATABASE IF EXISTS "{project.slug}" WITH (FORCE)'
    project.run("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", drop)
    project.run("make", "migrate", env={"DATABASE_DIRECT_URL": direct_url})
    project.run("make", "migrate", env={"DATABASE_DIRECT_URL": direct_url})  # and finds it


def test_models_and_migrations_agree(project):
    project.uv_run("python", "manage.py", "makemigrations", "--check", "--dry-run")


def test_gunicorn_accepts_its_config(project):
    result = project.uv_run("gunicorn", "--check-config", "config.wsgi", env=PRODUCTION_ENV)
    assert "Error" not in result.stderr


def test_ci_and_update_bot_files_are_valid_against_their_schemas(project):
    ci = project.option("ci", "github")
    files = {
        "github": {
            ".github/workflows/ci.yml": "vendor.github-workflows",
            ".github/dependabot.yml": "vendor.dependabot",
        },
        "gitlab": {".gitlab-ci.yml": "vendor.gitlab-ci", "renovate.json": "vendor.renovate"},
    }
    for choice, paths in files.items():
        for path in paths:
            assert (project.path / path).exists() is (choice == ci), path
    for path, schema in files.get(ci, {}).items():
        project.run("check-jsonschema", "--builtin-schema", schema, path)


def test_the_audit_reads_every_locked_dependency(project):
    # pip-audit's --dry-run collects the dependencies without looking them up: the audit
    # itself needs PyPI's advisory API, which CI reaches.
    result = project.run("make", "audit", env={"PIP_AUDIT_ARGS": "--dry-run"})
    locked = project.run("uv", "export", "--frozen", "--no-emit-project", "--no-hashes")
    requirements = [Requirement(line) for line in locked.stdout.splitlines() if line[:1].isalnum()]
    here = [r for r in requirements if r.marker is None or r.marker.evaluate()]
    assert f"Dry run: would have audited {len(here)} packages" in result.stderr


@pytest.mark.suite
def test_generated_test_suite_passes_against_real_services(project):
    project.run("make", "test", env={"PYTEST_ARGS": "-q -p no:cacheprovider"}, timeout=900)


# What the proofs drive their processes with; the project itself has no use for them.
PROOF_PACKAGES = ["httpx", "mirakuru"]


@pytest.mark.suite
def test_the_proofs_pass_against_real_processes(project):
    proofs = project.render_proofs()
    try:
        project.run("uv", "pip", "install", "--quiet", *PROOF_PACKAGES)
        project.uv_run("ruff", "check", str(proofs))
        project.uv_run("ruff", "format", "--check", str(proofs))
        project.uv_run("pytest", "-q", "-p", "no:cacheprovider", str(proofs), timeout=1200)
    finally:
        # The project's own suite, should it run again, is the project's alone.
        shutil.rmtree(proofs)
