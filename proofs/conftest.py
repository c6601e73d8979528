"""The proofs: tests that run this project's processes for real, as production runs them
(gunicorn, nginx, PgBouncer, Redis, workers, a hot standby), rendered into tests/proofs/ of each
project the template's suite generates and run there, beside the project's own suite."""

import psycopg
import pytest
from django.conf import settings


def end_sessions_on(database_name: str) -> None:
    """End every session still open on a database, so that it can be dropped.

    PgBouncer and killed workers can leave server connections to the test database after the
    suite closes its own, and DROP DATABASE refuses to run while any session is open.
    """
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as maintenance:
        maintenance.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [database_name],
        )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Before the test database is created: end sessions left on one from an interrupted run."""
    db = settings.DATABASES["default"]
    end_sessions_on(db.get("TEST", {}).get("NAME") or f"test_{db['NAME']}")


@pytest.fixture(scope="session", autouse=True)
def _end_sessions_before_the_test_database_is_dropped(django_db_setup):
    yield
    end_sessions_on(settings.DATABASES["default"]["NAME"])
