"""`manage.py createdb`: create the database DATABASES names, unless it exists.

For a machine that has PostgreSQL and nothing else: `make migrate` (and so `make dev`) runs it
first. It connects to the server's maintenance database, "postgres", as the same user.
"""

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand
from psycopg import sql


class Command(BaseCommand):
    help = "Create the default database on its PostgreSQL server, unless it exists."

    def handle(self, *args, **options) -> None:
        database = settings.DATABASES["default"]
        name = database["NAME"]
        server = {key: database[key.upper()] for key in ("host", "port", "user", "password")}
        given = {key: value for key, value in server.items() if value}
        with psycopg.connect(dbname="postgres", autocommit=True, **given) as connection:
            exists = "SELECT 1 FROM pg_database WHERE datname = %s"
            if connection.execute(exists, [name]).fetchone():
                self.stdout.write(f"Database {name} exists.")
                return
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.stdout.write(self.style.SUCCESS(f"Created database {name}."))
