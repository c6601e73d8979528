"""The orders list's index, added once the table takes writes, without locking them out.

CREATE INDEX blocks every INSERT, UPDATE and DELETE on catalog_order, every order placed, for as
long as the build takes. CREATE INDEX CONCURRENTLY does not, but cannot run in a transaction,
hence atomic = False. If it fails half-way (say, after waiting longer than the migration's lock
timeout), PostgreSQL leaves an invalid index of that name: the first operation drops it, so that
the migration can simply be run again.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0002_order_event"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS order_user_id_desc",
            reverse_sql=migrations.RunSQL.noop,
        ),
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["user", "-id"], name="order_user_id_desc"),
        ),
    ]
