#!/bin/sh
# The app's role, made once: the postgres image runs this as POSTGRES_USER when it first
# creates the database (compose mounts it in /docker-entrypoint-initdb.d/). For a managed
# PostgreSQL, run it once as its administrator, with PGHOST and the variables below set.
#
# The role may log in, and owns the schema named after it, which PostgreSQL's default
# search_path ("$user", public) puts first: the app's tables, made by its migrations, land
# there. It is no superuser, makes no database or role, and cannot create anything in another
# schema (PostgreSQL 15 and later already deny CREATE on public to every role).
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=role="$APP_DATABASE_USER" --set=password="$APP_DATABASE_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE SCHEMA :"role" AUTHORIZATION :"role";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
