"""Every migration of the project's apps can run while the previous release still serves."""

import pytest
from django.core.management import call_command


# Outside a transaction: sqlmigrate refuses to write a concurrent index build inside one.
@pytest.mark.django_db(transaction=True)
def test_no_migration_locks_a_busy_table_or_breaks_the_running_release():
    # django-migration-linter, with the options in pyproject.toml, prints each migration it
    # refuses and why, then exits.
    try:
        call_command("lintmigrations")
    except SystemExit:
        pytest.fail('unsafe migrations, listed above: README, "Migrations", has the safe forms')
