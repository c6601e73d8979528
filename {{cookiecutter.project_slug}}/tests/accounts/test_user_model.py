"""The project's own user model exists from the first migration, and every migration that
points at the user points at it, after it."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations
from django.db.migrations.loader import MigrationLoader

USER_MIGRATION = ("accounts", "0001_initial")


def relations(migration: migrations.Migration) -> set[str]:
    """The models a migration's new fields point at, as "app_label.modelname"."""
    fields = []
    for operation in migration.operations:
        if isinstance(operation, migrations.CreateModel):
            fields += [field for _, field in operation.fields]
        elif isinstance(operation, migrations.AddField | migrations.AlterField):
            fields.append(operation.field)
    return {
        str(field.remote_field.model).lower() for field in fields if field.remote_field is not None
    }


def test_the_user_model_is_the_projects_own():
    assert settings.AUTH_USER_MODEL == "accounts.User"
    assert get_user_model()._meta.db_table == "accounts_user"


def test_migrations_point_at_the_projects_user_only_after_creating_it():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    pointing = {key: relations(migration) for key, migration in loader.disk_migrations.items()}
    to_the_user = [key for key, models in pointing.items() if "accounts.user" in models]

    # The control, whether or not anything points at the user: the user's own relations count.
    assert "auth.group" in pointing[USER_MIGRATION]
    for key in to_the_user:
        assert USER_MIGRATION in loader.graph.forwards_plan(key), key
    # Nothing points at the model it replaces, whose table is never created.
    assert [key for key, models in pointing.items() if "auth.user" in models] == []
