"""Each worker thread keeps its own Postgres connection open between requests.

Opening a Postgres connection costs a fork on the server and an auth exchange (a few ms);
reusing it costs nothing. Postgres sees replicas x workers x threads connections:
2 replicas x 5 sync workers = 10, well under max_connections = 100.
"""

import environ

env = environ.Env()

# PostgreSQL on this machine, as `make dev` and `make test` expect it.
LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}"

DATABASES = {
    "default": {
        **env.db_url("DATABASE_URL", default=LOCAL_DATABASE_URL),
        # Seconds a connection is reused before it is closed and opened afresh.
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default={{ cookiecutter.conn_max_age }}),
        # One cheap ping before a request's first query on a reused connection, so a restarted
        # Postgres or a terminated backend costs no failed request.
        "CONN_HEALTH_CHECKS": True,
    }
}
