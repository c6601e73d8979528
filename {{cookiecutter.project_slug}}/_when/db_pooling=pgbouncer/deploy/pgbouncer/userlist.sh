#!/bin/sh
# PgBouncer's users, from the environment, in a file only PgBouncer's own user can read
# (compose runs this before PgBouncer starts): the app's role, whose password PgBouncer checks
# and logs in to PostgreSQL with, and the users of PgBouncer's admin console and statistics,
# which exist in PgBouncer alone. The passwords are .env's generated ones: no double quotes.
set -eu
file="${PGBOUNCER_AUTH_FILE:-/etc/pgbouncer/userlist.txt}"
rm -f "$file"
umask 077
printf '"%s" "%s"\n' \
    "$APP_DATABASE_USER" "$APP_DATABASE_PASSWORD" \
    pgbouncer_admin "$PGBOUNCER_ADMIN_PASSWORD" \
    pgbouncer_stats "$PGBOUNCER_STATS_PASSWORD" >"$file"
