"""Gunicorn settings, read from the environment so that one image runs anywhere.

`gunicorn config.wsgi` picks this file up from the working directory.
"""

import gc
import importlib
import multiprocessing
import os
import signal
import sys
{%- if cookiecutter.use_prometheus %}
import tempfile
{%- endif %}

from gunicorn.workers import gthread

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# (2 x cores) + 1: enough processes to keep every core busy while others wait on I/O.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threads per worker: a second thread overlaps one request's waits on Redis or the database;
# more of them mostly wait for each other's turn with the GIL, and cost more CPU per request
# than they save (docs/performance.md).
{%- if cookiecutter.db_pooling == "persistent" %}
# Here sync workers all the same, one request at a time: each worker holds exactly one
# persistent Postgres connection, so Postgres sees replicas x workers connections. Raise
# WEB_THREADS only with max_connections to match.
{%- elif cookiecutter.db_pooling == "django_pool" %}
# Both threads share the worker's connection pool, whose size is WEB_THREADS too (database.py).
{%- else %}
# Each thread keeps a cheap client connection to PgBouncer.
{%- endif %}
threads = int(os.environ.get("WEB_THREADS", "{{ 1 if cookiecutter.db_pooling == 'persistent' else 2 }}"))


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's threaded worker, which closes its listening socket as soon as it stops.

    gunicorn's own keeps it open, unaccepted, until its last request is answered (and its
    kept-alive connections have lingered 2 s): nginx's connections queue there meanwhile, and
    are reset when it exits, a 502 for a POST nginx has sent (benoitc/gunicorn issues 2409 and
    3397). Closed, the socket refuses them, and nginx sends each to another instance.
    """

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled)
        if not self.alive:
            for listener in self.sockets:
                listener.close()


worker_class = ThreadWorker if threads > 1 else "sync"

# Recycle a worker after ~10,000 requests to bound slow leaks; the jitter keeps the workers
# from all restarting at the same moment. A recycle costs the old worker's exit and the new
# one's start: every 1,000 requests that was a large share of a cheap request's CPU, every
# 10,000 it is noise (docs/performance.md).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "1000"))

# A sync worker silent for 30 s on one request is killed. A gthread worker's timeout is only
# a heartbeat of its main loop and never cuts a request: statement_timeout (30 s, the
# database settings) bounds a request's database work in every mode.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Longer than nginx's upstream keepalive_timeout (60 s), so nginx closes idle connections first
# and never sends a request on a socket gunicorn is closing.
keepalive = 75

# Worker heartbeats on tmpfs: on a disk-backed /tmp a slow fsync can stall a worker long enough
# for the master to kill it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (private files)
# Gunicorn >= 25.1 opens a control socket by default, which fails in read-only or non-root
# containers; nothing here uses it.
control_socket_disable = True

# Import the app once in the master, then fork the workers from it. A worker then starts
# ready instead of importing Django, and the requests queued behind a booting worker no longer
# wait for it, which was most of the long tail under load (docs/performance.md). The price: a
# code change needs a restart, not a HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() == "true"
# Trust X-Forwarded-* only from the load balancer in front of this container.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Off unless GUNICORN_ACCESS_LOG names a file ("-" for stderr): the app logs every request
# itself, with its id, route and query count (core/observability/request_context.py).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
{%- if cookiecutter.use_prometheus %}

# prometheus_client's multiprocess mode: every worker writes its samples to files of its own in
# this directory and /metrics adds them up, whichever worker answers. The variable must be set
# before the app imports prometheus_client, hence here; one directory per bind address keeps
# two servers on one host apart.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(
        worker_tmp_dir or tempfile.gettempdir(),
        "prometheus-" + bind.replace(":", "-").replace("/", "-"),
    ),
)


def on_starting(server):
    """Start from an empty directory: files left by a previous run would be counted again."""
    from {{ cookiecutter.project_slug }}.core.observability import multiprocess_metrics

    multiprocess_metrics.reset(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def child_exit(server, worker):
    """A worker exited (max_requests, timeout, crash): mark_process_dead, and its counts are
    folded into one archive file, where they keep counting."""
    from {{ cookiecutter.project_slug }}.core.observability import multiprocess_metrics

    multiprocess_metrics.worker_exited(os.environ["PROMETHEUS_MULTIPROC_DIR"], worker.pid)


def on_exit(server):
    """A clean stop leaves nothing behind (a crash leaves the files to the next start)."""
    from {{ cookiecutter.project_slug }}.core.observability import multiprocess_metrics

    multiprocess_metrics.remove(os.environ["PROMETHEUS_MULTIPROC_DIR"])
{%- endif %}


def pre_fork(server, worker):
    """With preload_app the master imported Django: a database connection (or pool) it opened
    must not be shared by the forked workers, so close it before forking. And what every
    worker would otherwise redo is done here once, before the first fork."""
    # Without preload_app the master never set Django up (the tracing import in when_ready
    # loads Django's modules, not its apps): nothing to close, and no URLconf to import.
    if not server.cfg.preload_app or "django.db" not in sys.modules:
        return
    from django.conf import settings
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            close_pool()
    # Django imports the URLconf, and with it every view and DRF, at a worker's first
    # request, which waited for it, in every new worker.
    importlib.import_module(settings.ROOT_URLCONF)
    # Moves the objects of the loaded app out of the garbage collector's sight: a worker no
    # longer walks them in its collections, which write to each of them and so copy every
    # memory page it shares with the master. Python's gc.freeze() documentation advises it
    # before a fork.
    gc.freeze()
{%- if cookiecutter.use_opentelemetry %}


def when_ready(server):
    """The master imports the tracing libraries once, without starting them: each worker it
    forks (one every ~10,000 requests per worker) then skips ~0.3 s of CPU importing them."""
    from {{ cookiecutter.project_slug }}.core.observability import tracing  # noqa: F401
{%- endif %}


def post_fork(server, worker):
    """A new worker, before gunicorn sets it up to serve."""
    # Until gunicorn installs the worker's own signal handlers, after this hook, the worker has
    # the master's, which only queue a signal for the master's loop: a stop that reached it
    # then was lost, and the master waited graceful_timeout (30 s) for a worker that would never
    # exit (benoitc/gunicorn issue 1910). A worker still booting has no request to finish.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
{%- if cookiecutter.use_opentelemetry %}

    # Tracing starts in each worker, never in the master: the exporter's thread and sockets
    # would not survive the fork (core/observability/tracing.py).
    from config.wsgi import application  # imported by the master already with preload_app
    from {{ cookiecutter.project_slug }}.core.observability import tracing

    tracing.start()
    # The app's middleware chain was built on import, without the tracing middleware that
    # start() adds to settings.MIDDLEWARE (open-telemetry/opentelemetry-python-contrib 2043).
    application.load_middleware()
{%- endif %}
