"""Database connections go through PgBouncer in transaction mode.

Each web thread keeps its client connection to PgBouncer open (a client costs PgBouncer about
2 kB), and PgBouncer lends it one of a few Postgres server connections for the length of a
transaction: 10 replicas x 5 workers x 2 threads = 100 clients share default_pool_size = 20
server connections (deploy/pgbouncer/pgbouncer.ini).

Migrations hold locks across statements and may take session-level advisory locks, which
transaction pooling would hand to another client: run them on the direct connection
(`make migrate` and compose's migrate service set DATABASE_URL to DATABASE_DIRECT_URL).
"""

import environ

env = environ.Env()

# On a developer's machine, PostgreSQL itself, with the same settings as through PgBouncer (no
# session state, no server-side cursors): compose and deployments point DATABASE_URL at PgBouncer.
LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}"

DATABASES = {
    "default": {
        **env.db_url("DATABASE_URL", default=LOCAL_DATABASE_URL),
        # Django's PostgreSQL backend, with a health check that makes no round trip.
        "ENGINE": "{{ cookiecutter.project_slug }}.core.postgresql",
        # Seconds a thread keeps its PgBouncer client connection: connecting costs a round trip
        # and an auth exchange, reusing it costs nothing.
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default={{ cookiecutter.conn_max_age }}),
        # A check before a request's first query (a system call, core/postgresql), so that a
        # restarted PgBouncer costs no failed request.
        "CONN_HEALTH_CHECKS": True,
        # A server-side cursor lives across transactions, but PgBouncer may give the next
        # transaction another server connection where that cursor does not exist.
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }
}
