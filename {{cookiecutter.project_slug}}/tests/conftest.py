import psycopg
import pytest
from django.conf import settings
from django.core.cache import caches
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery-staple"


def end_sessions_on(database_name: str) -> None:
    """End every session still open on a database, so that it can be dropped.

    PgBouncer keeps idle server connections to the test database after the suite closes its
    own, and DROP DATABASE refuses to run while any session is open.
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


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: only this project's keys in the test Redis database."""
    for alias in settings.CACHES:
        caches[alias].delete_pattern("*")


@pytest.fixture
def redis_down(settings) -> None:
    """Every cache pointed at a port where no Redis listens, for the rest of the test."""
    settings.CACHES = {
        alias: {**cache, "LOCATION": "redis://127.0.0.1:1/0"}
        for alias, cache in settings.CACHES.items()
    }


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password=PASSWORD)


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="bob", password=PASSWORD)
