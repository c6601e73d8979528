"""The project's own user model exists from the first migration, and everything that points
at the user points at it."""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations, models
from django.db.migrations.executor import MigrationExecutor

USER_MIGRATION = ("accounts", "0001_initial")


def plan_on_an_empty_database() -> list[migrations.Migration]:
    """What `migrate --plan` runs on an empty database, in order (no connection needed)."""
    executor = MigrationExecutor(connection=None)
    targets = executor.loader.graph.leaf_nodes()
    return [migration for migration, _ in executor.migration_plan(targets, clean_start=True)]


def fields_of(operation) -> list[models.Field]:
    if isinstance(operation, migrations.CreateModel):
        return [field for _, field in operation.fields]
    if isinstance(operation, migrations.AddField | migrations.AlterField):
        return [operation.field]
    return []


def points_at(migration: migrations.Migration, model_label: str) -> bool:
    """Whether a migration adds a relation (foreign key, one-to-one, many-to-many) to a model."""
    return any(
        field.remote_field is not None
        and isinstance(field.remote_field.model, str)
        and field.remote_field.model.lower() == model_label.lower()
        for operation in migration.operations
        for field in fields_of(operation)
    )


def test_the_user_model_is_the_projects_own():
    assert settings.AUTH_USER_MODEL == "accounts.User"
    assert get_user_model()._meta.label == "accounts.User"
    assert get_user_model()._meta.db_table == "accounts_user"


def test_the_user_migration_runs_before_every_migration_that_points_at_the_user():
    plan = plan_on_an_empty_database()
    user_index = [(m.app_label, m.name) for m in plan].index(USER_MIGRATION)

    assert not any(points_at(migration, "accounts.User") for migration in plan[:user_index])
    # Nothing points at the model it replaces, whose table is never created.
    assert not any(points_at(migration, "auth.User") for migration in plan)


def test_every_app_whose_models_point_at_the_user_has_a_migration_that_does():
    """The control for the test above: the references it looks for are the real ones (the
    admin's log, DRF's tokens, orders... whichever this project has)."""
    user = get_user_model()
    pointing_apps = {
        model._meta.app_label
        for model in apps.get_models()
        if model is not user
        for field in model._meta.get_fields(include_hidden=True)
        if field.is_relation and field.concrete and field.related_model is user
    }
    referencing_apps = {
        migration.app_label
        for migration in plan_on_an_empty_database()
        if points_at(migration, "accounts.User")
    }

    assert referencing_apps == pointing_apps


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE), True),
        (models.ManyToManyField("accounts.user"), True),
        (models.ForeignKey("auth.Group", on_delete=models.CASCADE), False),
        (models.IntegerField(), False),
    ],
    ids=["foreign-key", "many-to-many", "other-model", "not-a-relation"],
)
def test_a_relation_to_the_user_is_recognised_in_a_migration(field, expected):
    """A reference the tests above look for is one they find, and nothing else is."""

    class Example(migrations.Migration):
        operations = [migrations.AddField("thing", "owner", field)]

    assert points_at(Example("0002_example", "example"), "accounts.User") is expected
