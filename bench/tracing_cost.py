"""CPU per request with OpenTelemetry off, sampled at 10% and at 100%, in one process.

Run inside a project generated with use_opentelemetry=yes, with PostgreSQL and Redis local:

    cd <project> && PYTHONPATH=. uv run python <template>/bench/tracing_cost.py

Spans go over OTLP/HTTP to a collector in another process that answers 200, so the export's
encoding and sending are counted (they run on the SDK's thread, in this process's CPU time).
Rounds alternate between the modes; the median per mode is printed.
"""

import importlib
import os
import statistics
import subprocess
import sys
import time

DATABASE = "tracing_cost_bench"
COLLECTOR_PORT = 14318
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings.test",
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
    REDIS_URL="redis://127.0.0.1:6379/14",
    DJANGO_ALLOWED_HOSTS="testserver",
    LOG_LEVEL="WARNING",
)
COLLECTOR = f"""
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", {COLLECTOR_PORT}), Handler).serve_forever()
"""
ROUNDS = 7


def main() -> None:
    import django
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
    from rest_framework.authtoken.models import Token

    tracing = importlib.import_module(f"{apps.get_app_config('core').name}.tracing")
    call_command("migrate", verbosity=0)
    call_command("seed_demo", products=500, orders=10, password="bench-password", verbosity=0)
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if "zeal" not in name]
    token = Token.objects.get_or_create(user=get_user_model().objects.first())[0].key
    cases = {
        "/healthz": ("/healthz", 300, {}),
        "products list, cache hit": ("/api/v1/products/", 200, {}),
        "products list, authenticated (3 SQL)": (
            "/api/v1/products/",
            60,
            {"Authorization": f"Token {token}"},
        ),
    }
    modes = {"off": None, "on, 10%": 0.1, "on, 100%": 1.0}

    def cpu_per_request(path, n, headers) -> float:
        client = Client()
        for _ in range(20):
            client.get(path, headers=headers)
        started = time.process_time()
        for _ in range(n):
            client.get(path, headers=headers)
        return (time.process_time() - started) / n * 1e6

    collector = subprocess.Popen([sys.executable, "-c", COLLECTOR])
    time.sleep(1)
    samples = {(mode, case): [] for mode in modes for case in cases}
    try:
        for _ in range(ROUNDS):
            for mode, ratio in modes.items():
                provider = None
                if ratio is not None:
                    provider = TracerProvider(sampler=ParentBased(TraceIdRatioBased(ratio)))
                    endpoint = f"http://127.0.0.1:{COLLECTOR_PORT}/v1/traces"
                    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint)))
                    connections.close_all()  # psycopg traces the connections opened from now
                    tracing.instrument(provider)
                for case, (path, n, headers) in cases.items():
                    samples[(mode, case)].append(cpu_per_request(path, n, headers))
                if provider is not None:
                    provider.force_flush()
                    tracing.uninstrument()
                    provider.shutdown()
                    connections.close_all()
    finally:
        collector.terminate()
    print(f"{'request':40}" + "".join(f"{mode:>14}" for mode in modes))
    for case in cases:
        median = {mode: statistics.median(samples[(mode, case)]) for mode in modes}
        row = "".join(f"{median[mode]:11.0f} µs" for mode in modes)
        extra = ", ".join(f"+{median[mode] - median['off']:.0f}" for mode in list(modes)[1:])
        print(f"{case:40}{row}   ({extra} µs)")


if __name__ == "__main__":
    main()
