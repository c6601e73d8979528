"""Background jobs: a queue in PostgreSQL (Procrastinate) and the workers that run it.

Web processes defer jobs on their own database connection, inside the caller's transaction
(through PgBouncer too): a job exists if and only if that transaction commits. Workers
LISTEN for new jobs, a session feature that PgBouncer's transaction pooling breaks, so
`manage.py worker` runs with DATABASE_URL set to the direct connection (compose, Kubernetes).

A worker killed mid-job (SIGKILL, OOM, a lost node) stops writing its heartbeat: once that is
TASKS_STALLED_SECONDS old, the check in core/jobs/recovery.py, run every
TASKS_RECOVERY_SECONDS by any live worker, puts the worker's jobs back in the queue. With the
defaults a killed job is queued again within 30 + 10 s, and runs as soon as a worker is free.
"""

import environ

env = environ.Env()

# Jobs a worker runs at once, each in a thread with its own database connection.
TASKS_CONCURRENCY = env.int("TASKS_CONCURRENCY", default=4)
# Every worker writes its heartbeat this often (one UPDATE) ...
TASKS_HEARTBEAT_SECONDS = env.float("TASKS_HEARTBEAT_SECONDS", default=10)
# ... and is presumed dead, its jobs stalled, when the last one is this old: three missed
# heartbeats, so that a slow database does not get a live worker's jobs run twice.
TASKS_STALLED_SECONDS = env.float("TASKS_STALLED_SECONDS", default=30)
# How often a worker looks for stalled jobs, in whole seconds (a cron field).
TASKS_RECOVERY_SECONDS = env.int("TASKS_RECOVERY_SECONDS", default=10)
# How long a job may run before it is queued again, and counted overdue in /metrics meanwhile
# (core/jobs/deadlines.py); a task that needs longer gets its own, by name, in TASKS_DEADLINES.
TASKS_DEADLINE_SECONDS = env.float("TASKS_DEADLINE_SECONDS", default=600)
TASKS_DEADLINES: dict[str, float] = {}

PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": TASKS_HEARTBEAT_SECONDS,
    "stalled_worker_timeout": TASKS_STALLED_SECONDS,
    # On SIGTERM a worker takes no new job and gives its running ones this long, then aborts
    # them back to the queue; compose and Kubernetes wait 5 s more before they SIGKILL.
    "shutdown_graceful_timeout": env.float("TASKS_SHUTDOWN_SECONDS", default=25),
    # Done jobs leave the table, which stays the size of the queue; failed ones stay, visible.
    "delete_jobs": "successful",
}
# Procrastinate imports each app's `tasks` module; the project's own periodic tasks live here.
PROCRASTINATE_IMPORT_PATHS = [
    "{{ cookiecutter.project_slug }}.core.jobs.recovery",
    "{{ cookiecutter.project_slug }}.core.jobs.housekeeping",
]
# Installs the worker middleware below, and the job manager of core/jobs/manager.py.
PROCRASTINATE_ON_APP_READY = "{{ cookiecutter.project_slug }}.core.jobs.setup.on_app_ready"
# Wraps every job a worker runs, in this order.
TASKS_WORKER_MIDDLEWARE = [
{%- if cookiecutter.use_opentelemetry %}
    # First: the job's span covers the others' work.
    "{{ cookiecutter.project_slug }}.core.jobs.tracing.trace_job",
{%- endif %}
    "{{ cookiecutter.project_slug }}.core.jobs.middleware.carry_request_id",
{%- if cookiecutter.use_prometheus %}
    "{{ cookiecutter.project_slug }}.core.jobs.metrics.measure",
{%- endif %}
]
{%- if cookiecutter.use_prometheus %}

# Workers are not gunicorn processes and share no multiprocess directory with the web: each
# serves its own job counts and durations on this port (0: none) for Prometheus to scrape.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=9100)
{%- endif %}
