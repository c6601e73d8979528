"""The generated project's database role: made by deploy/postgres/create-app-role.sh as the
postgres image makes it, it runs every migration, and can do nothing a superuser could."""

import pytest

from tests.conftest import CommandFailed, run

PASSWORD = "app-role-password"


def psql(sql: str, database: str = "postgres", user: str = "postgres") -> str:
    command = ["psql", "-h", "127.0.0.1", "-U", user, "-d", database, "-Atc", sql]
    return run(command, cwd=".").stdout.strip()


@pytest.fixture
def app_role(project):
    """A database of its own, with the app's role made in it as compose makes it."""
    role, database = f"{project.slug}_app_role", f"{project.slug}_app_role_check"

    def drop() -> None:
        psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        psql(f'DROP ROLE IF EXISTS "{role}"')

    drop()
    psql(f'CREATE DATABASE "{database}"')
    env = {
        "PGHOST": "127.0.0.1",
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": database,
        "APP_DATABASE_USER": role,
        "APP_DATABASE_PASSWORD": PASSWORD,
    }
    project.run("sh", "deploy/postgres/create-app-role.sh", env=env)
    yield role, database
    drop()


def test_the_app_role_runs_the_migrations_in_its_own_schema(project, app_role):
    role, database = app_role
    project.uv_run(
        "python", "manage.py", "migrate", "--no-input",
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{role}:{PASSWORD}@127.0.0.1:5432/{database}",
        },
    )  # fmt: skip

    owned = psql("SELECT DISTINCT schemaname FROM pg_tables WHERE tableowner = current_user",
                 database, role)  # fmt: skip
    assert owned == role
    assert psql("SELECT count(*) FROM django_migrations", database, role) != "0"


BEYOND_ITS_SCHEMA = [
    "CREATE TABLE public.intruder (id int)",
    "CREATE SCHEMA intruder",
    "CREATE DATABASE intruder",
    "CREATE ROLE intruder",
    "ALTER ROLE current_user SUPERUSER",
    "SELECT pg_read_file('postgresql.conf')",
]


def test_the_app_role_is_no_superuser_and_can_do_nothing_beyond_its_schema(app_role):
    role, database = app_role
    flags = "rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls"
    assert psql(f"SELECT {flags} FROM pg_roles WHERE rolname = current_user", database, role) == (
        "f|f|f|f|f"
    )
    for sql in BEYOND_ITS_SCHEMA:
        with pytest.raises(CommandFailed, match="permission denied|must be superuser"):
            psql(sql, database, role)
