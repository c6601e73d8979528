"""Database connections come from Django's psycopg pool, one pool per worker process.

The pool holds as many connections as the worker has threads (WEB_THREADS, read by
gunicorn.conf.py too), so no thread ever waits for a connection and Postgres sees
replicas x workers x threads connections: 2 replicas x 5 workers x 2 threads = 20.
"""

import environ

env = environ.Env()

# PostgreSQL on this machine, as `make dev` and `make test` expect it.
LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}"

WEB_THREADS = env.int("WEB_THREADS", default=2)

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
        # Django's PostgreSQL backend, with a health check that makes no round trip; with the
        # pool, Django asks it only after a failed query, whether to keep the connection.
        "ENGINE": "{{ cookiecutter.project_slug }}.core.postgresql",
        # Django refuses a non-zero CONN_MAX_AGE with its pool: the pool already keeps
        # connections open between requests.
        "CONN_MAX_AGE": 0,
        # The pool checks each connection as it is lent (one round trip), so a restarted
        # Postgres or a terminated backend costs no failed request.
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "options": DEADLINES,
            "pool": {
                "min_size": WEB_THREADS,
                "max_size": WEB_THREADS,
                # Fail a request after 10 s without a free connection instead of hanging
                # until gunicorn's 30 s timeout kills the worker.
                "timeout": 10,
            },
        },
    }
}
