"""The option combinations the render matrix generates.

Every value of every option appears in at least one combination, and every db_pooling mode
runs with both Django versions, and with a read replica. Each combination gets its own slug
(and so its own test database), Redis database, PgBouncer port and standby port, so that no
two share state.
"""

COMBINATIONS = {
    "defaults": {},
    "pool-django61-jwt-admin-k8s-gitlab": {
        "project_name": "Pool Jwt Api",
        "python_version": "3.13",
        "django_version": "6.1",
        "postgres_version": "16",
        "db_pooling": "django_pool",
        "auth": "jwt",
        "use_admin": "yes",
        "use_prometheus": "no",
        "use_openapi": "no",
        "kubernetes": "yes",
        "ci": "gitlab",
    },
    "persistent-py311-session-replica-no-example-otel": {
        "project_name": "Persistent Session Api",
        "python_version": "3.11",
        "django_version": "5.2",
        "postgres_version": "15",
        "db_pooling": "persistent",
        "conn_max_age": "300",
        "auth": "session",
        "example_api": "no",
        "read_replica": "yes",
        "use_opentelemetry": "yes",
        "ci": "none",
    },
    "pgbouncer-django61-session-admin-replica-k8s-unicode-name": {
        "project_name": "Ünïcödé Bouncer Shop",
        "python_version": "3.12",
        "django_version": "6.1",
        "db_pooling": "pgbouncer",
        "auth": "session",
        "use_admin": "yes",
        "read_replica": "yes",
        "kubernetes": "yes",
        "ci": "none",
    },
    "pool-django52-token-replica-no-tasks-otel-gitlab": {
        "project_name": "Pool Token Api",
        "python_version": "3.13",
        "django_version": "5.2",
        "db_pooling": "django_pool",
        "auth": "token",
        "use_openapi": "no",
        "read_replica": "yes",
        "background_tasks": "none",
        "use_opentelemetry": "yes",
        "ci": "gitlab",
    },
    "persistent-django61-jwt": {
        "project_name": "Persistent Jwt Api",
        "python_version": "3.12",
        "django_version": "6.1",
        "db_pooling": "persistent",
        "auth": "jwt",
        "use_prometheus": "no",
        "ci": "github",
    },
}
