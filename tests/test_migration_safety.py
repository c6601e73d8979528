"""The generated project's guard on migrations: its linter refuses the unsafe form of a change and
accepts the safe one, and `migrate --pre-deploy` holds back what the old release still reads.

The migrations below go into a copy of the project's sources (run with the project's .venv), so
that the project itself never holds them.
"""

import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.conftest import run

HEADER = """\
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
"""

# name: (body of the Migration class, whether the linter must refuse it)
MIGRATIONS = {
    # Locks writes to the table for the whole build.
    "0002_index_in_one_step": (
        """
        operations = [
            migrations.AddIndex(
                "user", models.Index(fields=["date_joined"], name="user_joined_plain")
            ),
        ]
        """,
        True,
    ),
    "0003_index_concurrently": (
        """
        atomic = False
        operations = [
            AddIndexConcurrently(
                "user", models.Index(fields=["last_login"], name="user_last_login")
            ),
        ]
        """,
        False,
    ),
    # Django fills existing rows with the default, then drops it from the column: the old
    # release's INSERTs, which do not name the column, then fail.
    "0004_not_null_in_one_step": (
        """
        operations = [
            migrations.AddField("user", "score", models.IntegerField(default=0)),
        ]
        """,
        True,
    ),
    # The default stays in the database, where the old release's INSERTs get it.
    "0005_not_null_with_a_database_default": (
        """
        operations = [
            migrations.AddField("user", "level", models.IntegerField(db_default=0)),
        ]
        """,
        False,
    ),
    # The old release still reads the column: a post-deploy migration.
    "0006_remove_level": (
        """
        operations = [
            migrations.RemoveField("user", "level"),
        ]
        """,
        False,
    ),
}


class Scratch:
    """A copy of a generated project with MIGRATIONS in its accounts app, on an empty database."""

    def __init__(self, project, root: Path):
        self.path = root / project.slug
        shutil.copytree(project.path, self.path, ignore=shutil.ignore_patterns(".venv", ".git"))
        folder = self.path / project.slug / "accounts" / "migrations"
        previous = "0001_initial"
        for name, (body, _) in MIGRATIONS.items():
            source = HEADER + f"    dependencies = [('accounts', '{previous}')]\n"
            source += textwrap.indent(textwrap.dedent(body), "    ")
            (folder / f"{name}.py").write_text(source)
            previous = name
        self.python = str(project.path / ".venv" / "bin" / "python")
        self.database = f"{project.slug}_migration_safety"
        self.env = {
            **os.environ,
            **project.env,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.database}",
        }

    def psql(self, sql: str) -> str:
        command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc", sql]
        return run(command, cwd=self.path).stdout

    def manage(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.python, "manage.py", *arguments],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def applied(self) -> set[str]:
        sql = "SELECT name FROM django_migrations WHERE app = 'accounts'"
        command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", self.database, "-Atc", sql]
        return set(run(command, cwd=self.path).stdout.split())


@pytest.fixture
def scratch(project, tmp_path):
    scratch = Scratch(project, tmp_path)
    scratch.psql(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)')
    scratch.psql(f'CREATE DATABASE "{scratch.database}"')
    yield scratch
    scratch.psql(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)')


def test_the_linter_refuses_each_unsafe_migration_and_accepts_its_safe_form(scratch):
    result = scratch.manage("lintmigrations", "accounts")
    refused = set(re.findall(r"^\(accounts, (\w+)\)\.\.\. ERR", result.stdout, re.MULTILINE))

    assert refused == {name for name, (_, unsafe) in MIGRATIONS.items() if unsafe}, result.stdout
    assert result.returncode == 1
    assert "CREATE INDEX locks table" in result.stdout
    assert "NOT NULL constraint on columns" in result.stdout


def test_pre_deploy_holds_back_what_the_old_release_still_reads(scratch):
    pre_deploy = scratch.manage("migrate", "--pre-deploy", "--no-input")
    assert pre_deploy.returncode == 0, pre_deploy.stderr
    assert scratch.applied() == {"0001_initial", *MIGRATIONS} - {"0006_remove_level"}
    # What a new pod's init container checks: nothing left for the new release to wait for.
    assert scratch.manage("migrate", "--pre-deploy", "--check").returncode == 0
    assert scratch.manage("migrate", "--check").returncode == 1

    post_deploy = scratch.manage("migrate", "--no-input")
    assert post_deploy.returncode == 0, post_deploy.stderr
    assert scratch.applied() == {"0001_initial", *MIGRATIONS}
