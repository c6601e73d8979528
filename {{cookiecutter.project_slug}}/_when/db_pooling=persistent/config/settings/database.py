"""Each worker thread keeps its own Postgres connection open between requests.

Opening a Postgres connection costs a fork on the server and an auth exchange (a few ms);
reusing it costs nothing. Postgres sees replicas x workers x threads connections:
2 replicas x 5 sync workers = 10, well under max_connections = 100.
"""

import environ

env = environ.Env()

# PostgreSQL on this machine, as `make dev` and `make test` expect it.
LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}"

# Deadlines on a request's database work, matching nginx's, which answers 504 after 35 s
# (proxy_read_timeout): PostgreSQL cancels a statement after 30 s and ends a session left idle
# in a transaction for 30 s, so a hung query does not hold a thread, a connection and its locks
# for a client that has gone (gthread workers are never killed for a slow request). 0 turns
# both off: migrations run that way (`make migrate`, compose's migrate service).
DEADLINE_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30_000)
DEADLINES = " ".join(
    f"-c {setting}={DEADLINE_MS}"
    for setting in ("statement_timeout", "idle_in_transaction_session_timeout")
)

DATABASES = {
    "default": {
        **env.db_url("DATABASE_URL", default=LOCAL_DATABASE_URL),
        # Django's PostgreSQL backend, with a health check that makes no round trip.
        "ENGINE": "{{ cookiecutter.project_slug }}.core.postgresql",
        # Seconds a connection is reused before it is closed and opened afresh.
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default={{ cookiecutter.conn_max_age }}),
        # A check before a request's first query on a reused connection (a system call,
        # core/postgresql), so a restarted Postgres or a terminated backend costs no failed
        # request.
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"options": DEADLINES},
    }
}
