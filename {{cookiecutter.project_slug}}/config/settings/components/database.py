{%- set pooling = cookiecutter.db_pooling -%}
"""The database, and how its connections are reused from one request to the next.
{%- if pooling == "pgbouncer" %}

Through PgBouncer in transaction mode: each web thread keeps its client connection to
PgBouncer open (a client costs PgBouncer a few kB), and PgBouncer lends it one of a few
PostgreSQL server connections for the length of a transaction, so the number of web processes
does not decide the number of PostgreSQL connections (deploy/pgbouncer/pgbouncer.ini).

Migrations hold locks across statements and may take session-level advisory locks, which
transaction pooling would hand to another client: they run on the direct connection
(`make migrate` and compose's migrate service set DATABASE_URL to DATABASE_DIRECT_URL).
{%- elif pooling == "django_pool" %}

From Django's psycopg pool, one pool per worker process, holding as many connections as the
worker has threads (WEB_THREADS, which gunicorn.conf.py reads too): no thread waits for a
connection, and PostgreSQL sees replicas x workers x threads connections.
{%- else %}

Each worker keeps its own PostgreSQL connection open between requests: opening one costs a
process on the server and an authentication exchange, reusing it costs nothing. PostgreSQL
sees replicas x workers connections.
{%- endif %}
"""

import environ

env = environ.Env()

# PostgreSQL on this machine, as `make dev` and `make test` expect it.
LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}"

# Deadlines on a request's database work, under nginx's (proxy_read_timeout): PostgreSQL
# cancels a statement, and ends a session left idle in a transaction, after 30 s, so a hung
# query does not hold a thread, a connection and its locks for a client that has gone. gthread
# workers are never killed for a slow request. 0 turns both off, as `make migrate` does.
DEADLINE_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30_000)
# How long a statement may wait for a lock; 0 (the default) waits as long as the deadline
# above. Migrations set it (`make migrate`, compose, the Kubernetes Job): an ALTER TABLE that
# waits behind a long transaction holds every query on that table behind it, so it gives up
# instead, and the migration is run again later.
LOCK_TIMEOUT_MS = env.int("DATABASE_LOCK_TIMEOUT_MS", default=0)
DEADLINES = (
    f"-c statement_timeout={DEADLINE_MS} -c idle_in_transaction_session_timeout={DEADLINE_MS}"
    f" -c lock_timeout={LOCK_TIMEOUT_MS}"
)
{%- if pooling == "django_pool" %}
WEB_THREADS = env.int("WEB_THREADS", default=2)
{%- endif %}

DATABASES = {
    "default": {
        **env.db_url("DATABASE_URL", default=LOCAL_DATABASE_URL),
{%- if pooling == "django_pool" %}
        # Django refuses any other value with its pool, which keeps the connections open.
        "CONN_MAX_AGE": 0,
        # The pool checks each connection as it lends it, so a restarted PostgreSQL or a
        # terminated backend costs no failed request.
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "options": DEADLINES,
            "pool": {
                "min_size": WEB_THREADS,
                "max_size": WEB_THREADS,
                # A request waits at most this long for a connection, then fails with a 503.
                "timeout": 10,
            },
        },
{%- else %}
        # Seconds a connection is reused before it is closed and opened afresh.
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default={{ cookiecutter.conn_max_age }}),
        # Django checks a reused connection before a request's first query, so that a restarted
        # {% if pooling == "pgbouncer" %}PgBouncer{% else %}PostgreSQL{% endif %} costs no failed request.
        "CONN_HEALTH_CHECKS": True,
{%- if pooling == "pgbouncer" %}
        # A server-side cursor lives across transactions, but PgBouncer may give the next
        # transaction another server connection, where that cursor does not exist.
        "DISABLE_SERVER_SIDE_CURSORS": True,
        # Through PgBouncer these are ignored (ignore_startup_parameters) and PgBouncer sets
        # the same deadlines itself (connect_query in pgbouncer.ini); the job workers and
        # migrations, on the direct connection, get them here.
{%- endif %}
        "OPTIONS": {"options": DEADLINES},
{%- endif %}
    }
}
