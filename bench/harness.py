"""The template's benchmark, run by run.py with the generated project's interpreter.

    python harness.py --project DIR [--output FILE]

Against one fresh, seeded database it starts four gunicorn servers, each with the generated
project's gunicorn.conf.py and the same WEB_CONCURRENCY and WEB_THREADS:

- the ceiling: bare_wsgi.py, a WSGI app that returns /healthz's JSON body and nothing else;
- the template: the generated project on its production settings, through PgBouncer, with
  Redis;
- the template again with GUNICORN_PRELOAD=false, its one gunicorn switch that is on by
  default (measured on /healthz and the cached list: what worker recycling costs without it);
- Django's defaults: the same models behind defaults/bench_defaults (startproject's settings,
  DRF's defaults, ModelViewSets), straight to PostgreSQL with a new connection per request.

Then it drives each endpoint of each server with wrk (scripts/bench.py of the generated
project), alternating servers and endpoints within each round so that a noisy neighbour
spreads over all of them, and reports medians over the rounds. Ratios are taken within a round
before their median is. Queries per request and the claims table are measured in-process
(inprocess.py).

Environment: BENCH_SECONDS (10) per run, BENCH_ROUNDS (3), BENCH_CONNECTIONS (16),
BENCH_THREADS (2), BENCH_PRODUCTS (10000), BENCH_ORDERS (2000), BENCH_POSTGRES_URL
(postgres://postgres@127.0.0.1:5432: the server the database is created on), BENCH_REDIS_URL
(redis://127.0.0.1:6379/15: a Redis database the benchmark may empty), BENCH_PGBOUNCER_PORT
(a free port), BENCH_ONLY (comma-separated words: only the endpoints whose name contains one,
e.g. "healthz,hit"), BENCH_CLAIMS=0 (skip the in-process claims), BENCH_PROFILE=1 (profile the
template on /healthz and the cached list with py-spy; run.py installs it).
"""

import argparse
import compileall
import contextlib
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent

CEILING = "bare WSGI app (ceiling)"
TEMPLATE = "template"
# The template with GUNICORN_PRELOAD, the one gunicorn switch it turns on by default, off.
NOT_PRELOADED = "template, no preload_app"
DEFAULTS = "Django defaults"
HEALTHZ = "/healthz"
HIT = "products list, cache hit"
MISS = "products list, cache miss"
DETAIL = "product detail"
ORDERS = "orders list (own)"
STATS = "category stats, cached"
DEMO_USERS = 4
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


@dataclass
class Config:
    seconds: float = float(os.environ.get("BENCH_SECONDS") or 10)
    rounds: int = env_int("BENCH_ROUNDS", 3)
    connections: int = env_int("BENCH_CONNECTIONS", 16)
    threads: int = env_int("BENCH_THREADS", 2)
    products: int = env_int("BENCH_PRODUCTS", 10_000)
    orders: int = env_int("BENCH_ORDERS", 2_000)
    postgres_url: str = (
        os.environ.get("BENCH_POSTGRES_URL") or "postgres://postgres@127.0.0.1:5432"
    )
    redis_url: str = os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/15"
    pgbouncer_port: int = env_int("BENCH_PGBOUNCER_PORT", 0)
    claims: bool = os.environ.get("BENCH_CLAIMS", "1") != "0"
    profile: bool = os.environ.get("BENCH_PROFILE", "0") == "1"
    only: list[str] = field(
        default_factory=lambda: [n for n in os.environ.get("BENCH_ONLY", "").split(",") if n]
    )


def database_url(server_url: str, name: str, port: int | None = None) -> str:
    parts = urlsplit(server_url)
    netloc = parts.netloc if port is None else f"{parts.netloc.rpartition(':')[0]}:{port}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{name}"))


class Server:
    """One gunicorn master with the generated project's gunicorn.conf.py, on a free port."""

    def __init__(self, name: str, app: str, env: dict[str, str], state_dir: Path):
        from scripts import topology

        self.topology = topology
        self.port = topology.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = topology.Process(name, state_dir)
        self.app = app
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}

    def up(self, timeout: float = 60) -> None:
        self.process.spawn([sys.executable, "-m", "gunicorn", self.app], env=self.env)
        deadline = time.monotonic() + timeout
        while self.topology.http_status(self.port, "/healthz") != 200:
            if self.process.exited() or time.monotonic() > deadline:
                self.down()
                raise RuntimeError(
                    f"{self.process.name} did not start:\n{self.process.log_tail()}"
                )
            time.sleep(0.2)

    def down(self) -> None:
        self.process.stop(timeout=35)

    def pid(self) -> int | None:
        return self.process.pid()

    def cpu_seconds(self) -> float:
        """CPU time of the master and its workers so far, the replaced workers' included: the
        kernel adds a reaped child's time to its parent's (cutime and cstime)."""

        def fields(pid) -> list[str]:
            # After "pid (comm)": state, ppid, ... utime and stime are the 12th and 13th.
            return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()

        master = self.pid()
        if master is None:
            return 0.0
        ticks = sum(int(value) for value in fields(master)[11:15])
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    worker = fields(entry.name)
                except OSError:  # exited meanwhile
                    continue
                if int(worker[1]) == master:
                    ticks += int(worker[11]) + int(worker[12])
        return ticks / CLOCK_TICKS


def run(command: list[str], env: dict[str, str], cwd: Path, capture: bool = False) -> str:
    completed = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        )
    return completed.stdout if capture else ""


def recreate_database(server_url: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(database_url(server_url, "postgres"), autocommit=True) as admin:
        # FORCE: a PgBouncer of an earlier run may still hold server connections to it.
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            admin.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def gunicorn_settings(project: Path) -> dict:
    """workers, threads and worker_class as gunicorn.conf.py computes them here."""
    namespace: dict = {"__file__": str(project / "gunicorn.conf.py")}
    saved = dict(os.environ)
    try:
        code = compile((project / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec")
        exec(code, namespace)  # noqa: S102 (the project's own config file)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    keys = ("workers", "threads", "worker_class", "max_requests", "max_requests_jitter")
    return {key: namespace[key] for key in keys}


def versions(project: Path, config: Config) -> str:
    import django
    import gunicorn
    import psycopg
    import redis
    import rest_framework

    with psycopg.connect(database_url(config.postgres_url, "postgres")) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0].split()[0]
    redis_version = redis.Redis.from_url(config.redis_url).info("server")["redis_version"]
    pgbouncer = subprocess.run(
        [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer", "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\n")[0]
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    wrk_version = (wrk.stdout or wrk.stderr).split()[1]
    return (
        f"Django {django.get_version()}, DRF {rest_framework.VERSION}, gunicorn "
        f"{gunicorn.__version__}, psycopg {psycopg.__version__}, PostgreSQL {postgres}, "
        f"{pgbouncer}, Redis {redis_version}, wrk {wrk_version}"
    )


# --- Reporting ----------------------------------------------------------------------------------


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"


class Report:
    def __init__(self, bench, config: Config):
        self.bench = bench
        self.config = config
        # (server, endpoint) -> one Result per round
        self.results: dict[tuple[str, str], list] = defaultdict(list)
        self.queries: dict[tuple[str, str], int] = {}
        # (server, endpoint) -> server CPU milliseconds per request, one per round
        self.cpu_ms: dict[tuple[str, str], list[float]] = defaultdict(list)

    def add(self, server: str, endpoint: str, result, cpu_seconds: float) -> None:
        self.results[server, endpoint].append(result)
        if result.requests:
            self.cpu_ms[server, endpoint].append(cpu_seconds * 1000 / result.requests)

    def per_round(self, key: tuple[str, str], base: tuple[str, str]) -> float | None:
        """Median over rounds of rps(key) / rps(base) measured in the same round."""
        ratios = [
            a.requests_per_second / b.requests_per_second
            for a, b in zip(self.results.get(key, []), self.results.get(base, []), strict=False)
            if b.requests_per_second
        ]
        return median(ratios)

    def rps(self, key) -> float | None:
        return median([r.requests_per_second for r in self.results.get(key, [])])

    def p99(self, key) -> float | None:
        return median([r.p99_ms for r in self.results.get(key, [])])

    def row(self, endpoint: str, server: str, measured: tuple[str, str], label: str):
        results = self.results.get(measured)
        if not results:
            return None
        rates = [r.requests_per_second for r in results]
        middle = statistics.median(rates)
        spread = (max(rates) - min(rates)) / middle * 100 if middle else 0
        to_defaults = "-"
        if server in (TEMPLATE, NOT_PRELOADED):
            defaults_key = (DEFAULTS, MISS if endpoint in (HIT, MISS) else endpoint)
            to_defaults = ratio(self.per_round(measured, defaults_key))
        failed = sum(r.failed for r in results)
        queries = self.queries.get((server, endpoint))
        return [
            endpoint,
            label,
            number(statistics.median(rates)),
            f"±{spread / 2:.0f}%",
            number(median([r.p50_ms for r in results]), 1),
            number(median([r.p99_ms for r in results]), 1),
            number(median(self.cpu_ms.get(measured, [])), 2),
            "-" if queries is None else str(queries),
            ratio(self.per_round(measured, (CEILING, HEALTHZ))),
            to_defaults,
            f"{failed:,}",
        ]

    def main_table(self) -> str:
        rows = [self.row(HEALTHZ, CEILING, (CEILING, HEALTHZ), CEILING)]
        for endpoint in (HEALTHZ, HIT, MISS, DETAIL, ORDERS, STATS):
            rows.append(self.row(endpoint, TEMPLATE, (TEMPLATE, endpoint), TEMPLATE))
            rows.append(
                self.row(endpoint, NOT_PRELOADED, (NOT_PRELOADED, endpoint), NOT_PRELOADED)
            )
            # The defaults cache nothing: one uncached list serves both list rows.
            measured = (DEFAULTS, MISS if endpoint in (HIT, MISS) else endpoint)
            label = DEFAULTS + (" (no cache)" if endpoint in (HIT, MISS, STATS) else "")
            rows.append(self.row(endpoint, DEFAULTS, measured, label))
        columns = [
            "endpoint",
            "server",
            "requests/s",
            "spread",
            "p50 ms",
            "p99 ms",
            "server CPU ms/request",
            "queries/request",
            "× ceiling",
            "× defaults",
            "errors",
        ]
        return self.bench.markdown_table(columns, [r for r in rows if r], text_columns=2)

    def targets(self) -> list[tuple[str, str, bool | None]]:
        checks = []

        def check(label, value, target, passed, unit=""):
            if value is None:
                checks.append((label, "not measured", None))
            else:
                checks.append((label, f"{value:.2f}{unit} (target {target})", passed(value)))

        for server in (TEMPLATE, NOT_PRELOADED):
            suffix = "" if server == TEMPLATE else f" ({server})"
            check(
                f"/healthz, fraction of the ceiling{suffix}",
                self.per_round((server, HEALTHZ), (CEILING, HEALTHZ)),
                ">= 0.60",
                lambda v: v >= 0.60,
            )
            check(
                f"products list on a cache hit, fraction of the ceiling{suffix}",
                self.per_round((server, HIT), (CEILING, HEALTHZ)),
                ">= 0.40",
                lambda v: v >= 0.40,
            )
        check(
            "products list on a cache miss, times the defaults",
            self.per_round((TEMPLATE, MISS), (DEFAULTS, MISS)),
            ">= 5",
            lambda v: v >= 5,
        )
        check(
            f"p99 of the cache-miss list at {self.config.connections} connections",
            self.p99((TEMPLATE, MISS)),
            "< 100 ms",
            lambda v: v < 100,
            " ms",
        )
        return checks

    def targets_table(self) -> str:
        rows = [
            [label, figure, "met" if ok else ("missed" if ok is False else "-")]
            for label, figure, ok in self.targets()
        ]
        return self.bench.markdown_table(["target", "measured", "result"], rows, text_columns=1)

    def claims_table(self, claims: list[dict]) -> str:
        groups: dict[str, list[dict]] = defaultdict(list)
        for claim in claims:
            groups[claim["claim"]].append(claim)
        rows = []
        for claim, members in groups.items():
            best = min(m["seconds"] for m in members)
            for m in members:
                rows.append(
                    [
                        claim,
                        m["variant"],
                        f"{duration(m['seconds'])} per {m['unit']}",
                        "-" if m["queries"] is None else str(m["queries"]),
                        f"{m['seconds'] / best:.1f}×",
                    ]
                )
        # Under load, from the main table: the same comparisons with 16 clients at once.
        for claim, fast, slow in (
            ("the middleware stack, under load", (TEMPLATE, HEALTHZ), (DEFAULTS, HEALTHZ)),
            ("a cached response, under load", (TEMPLATE, HIT), (TEMPLATE, MISS)),
        ):
            rates = {key: self.rps(key) for key in (fast, slow)}
            if all(rates.values()):
                best = max(rates.values())
                for (server, endpoint), rate in rates.items():
                    rows.append(
                        [
                            claim,
                            f"{server}, {endpoint}",
                            f"{rate:,.0f} requests/s",
                            "-",
                            f"{best / rate:.1f}×",
                        ]
                    )
        columns = ["claim", "variant", "measured", "queries", "cost vs best"]
        return self.bench.markdown_table(columns, rows, text_columns=2)


def profile(server: Server, endpoint, bench, config: Config, raw_file: Path) -> str:
    """Where the template's workers spend their time on one endpoint under load: py-spy samples
    every worker while wrk drives it; the functions that appear in most samples of requests
    being handled (each counted once per sample, callers included), as a markdown list."""
    py_spy = Path(sys.executable).parent / "py-spy"
    if not py_spy.exists():
        return "py-spy is not installed in the project's environment: no profile."
    seconds = max(3, round(config.seconds))
    command = [str(py_spy), "record", "--pid", str(server.pid()), "--subprocesses"]
    command += ["--nonblocking", "--format", "raw", "--rate", "200"]
    command += ["--duration", str(seconds), "--output", str(raw_file)]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    bench.run_wrk(server.url, endpoint, seconds, connections=config.connections)
    recorder.wait(timeout=seconds + 30)
    inclusive: dict[str, int] = defaultdict(int)
    handling = 0
    for line in raw_file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [
            re.sub(r" \(.*?([\w.]+/[\w.]+\.py):\d+\)$", r" (\1)", f) for f in stack.split(";")
        ]
        if not any(f.startswith("WSGIHandler.__call__") for f in frames):
            continue
        handling += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    if not handling:
        return "No samples."
    skip = ("process ", "Thread", "_worker", "_WorkItem", "ThreadWorker", "WSGIHandler")
    top = [
        (frame, samples)
        for frame, samples in sorted(inclusive.items(), key=lambda item: -item[1])
        if not frame.startswith(skip)
    ][:20]
    return "\n".join(f"- {100 * n / handling:4.1f}% `{frame}`" for frame, n in top)


def in_process_claims(project, template_env, defaults_env, gunicorn, direct_url, pgbouncer_url):
    env = {**template_env, "BENCH_DIRECT_URL": direct_url, "BENCH_PGBOUNCER_URL": pgbouncer_url}
    command = [sys.executable, str(BENCH_DIR / "inprocess.py"), "claims"]
    claims = json.loads(run(command, env, project, capture=True))
    return claims + boot_claims(project, template_env, defaults_env, gunicorn)


def boot_claims(project: Path, template_env, defaults_env, gunicorn, repeat: int = 3):
    """A worker's boot in CPU seconds (boot.py, median of `repeat` fresh interpreters), and its
    share of each request when gunicorn replaces the worker every max_requests requests."""
    every = gunicorn["max_requests"] + gunicorn["max_requests_jitter"] / 2
    rows = []
    for label, env in (("template", template_env), ("Django defaults", defaults_env)):
        samples = [
            json.loads(run([sys.executable, str(BENCH_DIR / "boot.py")], env, project, True))
            for _ in range(repeat)
        ]
        boot = statistics.median(s["import_s"] + s["first_request_s"] for s in samples)
        rows.append(
            {
                "claim": (
                    f"a worker's boot without preload_app, every {every:,.0f} requests "
                    "(max_requests)"
                ),
                "variant": f"{label}: {boot * 1000 / every:.2f} ms of CPU per request",
                "seconds": boot,
                "unit": "worker (CPU)",
                "queries": None,
            }
        )
    return rows


# --- The run ------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    # A SIGTERM (a CI timeout, kill) still stops the servers and drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    project = args.project.resolve()
    sys.path.insert(0, str(project))
    from scripts import bench, topology

    config = Config()
    slug = topology.SLUG
    bench.require_wrk()
    direct_url = database_url(config.postgres_url, slug)
    pgbouncer_port = config.pgbouncer_port or topology.free_port()
    pgbouncer_url = database_url(config.postgres_url, slug, pgbouncer_port)
    secret_key = secrets.token_urlsafe(50)
    password = secrets.token_urlsafe(16)
    gunicorn = gunicorn_settings(project)

    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "THROTTLE_"))
    }
    base_env.update(
        {
            "DJANGO_SECRET_KEY": secret_key,
            # testserver: Django's test client, which inprocess.py uses.
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "GUNICORN_ACCESS_LOG": "",
            "BENCH_PROJECT_PACKAGE": slug,
        }
    )
    template_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": pgbouncer_url,
        "DATABASE_DIRECT_URL": direct_url,
        "REDIS_URL": config.redis_url,
    }
    state_dir = Path(tempfile.mkdtemp(prefix=f"{slug}-bench-"))
    state_dir.chmod(0o755)  # PgBouncer runs as postgres when started by root
    overlay = state_dir / "overlay"
    shutil.copytree(BENCH_DIR / "defaults", overlay)
    shutil.copy(BENCH_DIR / "bare_wsgi.py", overlay)
    # Bytecode, as the project's image has it (UV_COMPILE_BYTECODE): without it, and with
    # PYTHONDONTWRITEBYTECODE set, every worker gunicorn starts would compile every module.
    compileall.compile_dir(project, quiet=1, rx=re.compile(r"/\.venv/"))
    compileall.compile_dir(overlay, quiet=1)
    defaults_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "bench_defaults.settings",
        "PYTHONPATH": str(overlay),
        "DATABASE_URL": direct_url,
    }
    ceiling_env = {**base_env, "PYTHONPATH": str(overlay)}
    pgbouncer = topology.PgBouncer(pgbouncer_url, direct_url, state_dir)
    servers = {
        CEILING: Server("ceiling", "bare_wsgi:application", ceiling_env, state_dir),
        TEMPLATE: Server("template", "config.wsgi", template_env, state_dir),
        NOT_PRELOADED: Server(
            "not-preloaded",
            "config.wsgi",
            {**template_env, "GUNICORN_PRELOAD": "false"},
            state_dir,
        ),
        DEFAULTS: Server("defaults", "config.wsgi", defaults_env, state_dir),
    }
    report = Report(bench, config)
    started = time.monotonic()
    load = os.getloadavg()[0]
    try:
        print(f"Database {slug} on {config.postgres_url}, PgBouncer on port {pgbouncer_port}")
        recreate_database(config.postgres_url, slug)
        flush_redis(config.redis_url)
        pgbouncer.up()
        manage = [sys.executable, "manage.py"]
        run([*manage, "migrate", "-v0"], {**template_env, "DATABASE_URL": direct_url}, project)
        # The defaults' own tables: database sessions, the admin's log.
        run([*manage, "migrate", "-v0"], defaults_env, project)
        print(f"Seeding {config.products:,} products and {config.orders:,} orders")
        run(
            [
                *manage,
                "seed_demo",
                "--products",
                str(config.products),
                "--orders",
                str(config.orders),
                "--password",
                password,
            ],
            template_env,
            project,
        )
        for server in servers.values():
            server.up()
        print(
            f"Servers up: {gunicorn['workers']} workers x {gunicorn['threads']} threads "
            f"({gunicorn['worker_class']}) each"
        )
        template_url = servers[TEMPLATE].url
        user_headers = [
            bench.log_in(template_url, f"demo-{n}", password) for n in range(1, DEMO_USERS + 1)
        ]
        endpoints = {
            e.name: e
            for e in [
                bench.Endpoint(HEALTHZ, ["/healthz"]),
                *bench.catalog_endpoints(template_url, user_headers),
            ]
        }
        if os.environ.get("BENCH_HOLD"):
            # For a look by hand: the servers stay up until this process is interrupted.
            for name, server in servers.items():
                print(f"{name}: {server.url} (log {server.process.logfile})")
            print(f"Authorization: {user_headers[0]}")
            with contextlib.suppress(KeyboardInterrupt):
                time.sleep(3600)
            return 0
        plan = [
            (CEILING, HEALTHZ),
            (TEMPLATE, HEALTHZ),
            (NOT_PRELOADED, HEALTHZ),
            (DEFAULTS, HEALTHZ),
            (TEMPLATE, HIT),
            (NOT_PRELOADED, HIT),
            (TEMPLATE, MISS),
            (DEFAULTS, MISS),
            (TEMPLATE, DETAIL),
            (DEFAULTS, DETAIL),
            (TEMPLATE, ORDERS),
            (DEFAULTS, ORDERS),
            (TEMPLATE, STATS),
            (DEFAULTS, STATS),
        ]
        if config.only:
            plan = [
                (server, endpoint)
                for server, endpoint in plan
                if server == CEILING or any(word in endpoint for word in config.only)
            ]

        for env, server in ((template_env, TEMPLATE), (defaults_env, DEFAULTS)):
            probe = [
                {
                    "name": e.name,
                    "path": e.paths[0],
                    "headers": e.headers[0],
                    "unique_param": e.unique_param,
                }
                for e in endpoints.values()
            ]
            counts = json.loads(
                run(
                    [
                        sys.executable,
                        str(BENCH_DIR / "inprocess.py"),
                        "queries",
                        json.dumps(probe),
                    ],
                    env,
                    project,
                    capture=True,
                )
            )
            for name, count in counts.items():
                report.queries[server, name] = count
                if server == TEMPLATE:  # the same code, started differently
                    report.queries[NOT_PRELOADED, name] = count

        def drive(server: str, endpoint: str, seconds: float):
            cpu_before = servers[server].cpu_seconds()
            result = bench.run_wrk(
                servers[server].url,
                endpoints[endpoint],
                seconds,
                connections=config.connections,
                threads=config.threads,
            )
            if endpoint == MISS and server == TEMPLATE:
                # Every request of the run stored a page: drop them (and the throttles' keys).
                flush_redis(config.redis_url)
            return result, servers[server].cpu_seconds() - cpu_before

        print("Warming up")
        for server, endpoint in plan:
            drive(server, endpoint, 1)
        for number_ in range(1, config.rounds + 1):
            print(f"Round {number_}/{config.rounds}: {len(plan)} runs of {config.seconds:g} s")
            for server, endpoint in plan:
                result, cpu_seconds = drive(server, endpoint, config.seconds)
                report.add(server, endpoint, result, cpu_seconds)
                print(
                    f"  {server:24} {endpoint:26} {result.requests_per_second:8,.0f} req/s  "
                    f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms  "
                    f"CPU {cpu_seconds * 1000 / max(result.requests, 1):.2f} ms/request"
                    + (f"  {result.failed} errors" if result.failed else "")
                )

        profiles = {}
        if config.profile:
            for name in (HEALTHZ, HIT):
                print(f"Profiling the template on {name}")
                raw = state_dir / f"profile-{len(profiles)}.txt"
                profiles[name] = profile(servers[TEMPLATE], endpoints[name], bench, config, raw)
        claims = []
        if config.claims:
            print("Claims, in-process")
            claims = in_process_claims(
                project, template_env, defaults_env, gunicorn, direct_url, pgbouncer_url
            )
        software = versions(project, config)
    finally:
        for server in servers.values():
            server.down()
        pgbouncer.down()
        with contextlib.suppress(Exception):
            recreate_database(config.postgres_url, slug, drop_only=True)
        with contextlib.suppress(Exception):
            flush_redis(config.redis_url)
        shutil.rmtree(state_dir, ignore_errors=True)

    elapsed = time.monotonic() - started
    machine = bench.describe_machine()
    text = render(report, claims, config, gunicorn, software, machine, elapsed, load)
    for name, summary in profiles.items():
        text += f"\n### Profile: the template on {name}, under load (py-spy)\n\n{summary}\n"
    print("\n" + text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        print(f"Written to {args.output}")
    return 0


def render(report, claims, config, gunicorn, software, machine, elapsed, load) -> str:
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    return f"""## Benchmark results ({today})

Machine: {machine}; load average {load:.1f} from other work when the run began. Load generator \
on the same machine: wrk -t{config.threads} -c{config.connections}, keep-alive, \
{config.seconds:g} s per run, {config.rounds} round{"s" if config.rounds > 1 else ""} \
alternating every server and endpoint; medians over the rounds, ratios taken within each round.
Each server: gunicorn with the generated project's gunicorn.conf.py, {gunicorn["workers"]} \
workers x {gunicorn["threads"]} threads ({gunicorn["worker_class"]}), a worker replaced after \
{gunicorn["max_requests"]:,} requests (+ up to {gunicorn["max_requests_jitter"]}). {software}. \
The run took {elapsed / 60:.1f} minutes.

### Endpoints

{report.main_table()}

"spread" is half the range of requests/s over the rounds, as a share of the median. "server
CPU" is the CPU time of the gunicorn master and its workers (replaced workers included) over
the run, divided by the requests served: unlike requests/s, it barely depends on what else
the machine runs. Queries per request are counted in-process (Django's test client) on the
same database. The cache miss sends a new `?nocache=` value with every request: the cache key
is the full URL, so every request computes and stores its page. Every request carries its own
X-Forwarded-For, as from many clients, so the throttle (on in the template, at its default
rates) counts each client apart, and an X-Request-ID, as nginx adds in production.
wrk talks to gunicorn directly: no nginx in front of any server. The defaults' "cache hit" and
"cache miss" rows are the same uncached run.

### Targets

{report.targets_table()}

### Scaling claims, measured

{report.claims_table(claims)}

In-process figures are medians of single-threaded repetitions in one Python process, on the
same database (trust authentication over local TCP, so a connection costs less here than with
TLS and SCRAM over a network).
"""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
