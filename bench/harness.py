"""The template's benchmark, run by run.py with the generated project's interpreter.

    python harness.py --project DIR [--output FILE]

On one fresh, seeded database it starts five gunicorn servers, each with the generated
project's gunicorn.conf.py (same workers and threads), and PgBouncer from the project's
pgbouncer.ini where the project runs it:

- the ceiling: bare_wsgi.py, a WSGI app that returns /healthz's JSON body and nothing else;
- the floor: Django's handler with no middleware (defaults/bench_defaults/floor_settings.py),
  answering /healthz, and the products list with the template's first page, stored in Redis
  and sent from one GET: the most any endpoint served through Django can reach;
- the template: the generated project on its production settings, with Redis, connected as it
  is configured to be (through PgBouncer, or straight to PostgreSQL); and again with
  GUNICORN_PRELOAD=false (on /healthz only), to show what preloading saves;
- Django's defaults: the same models behind defaults/bench_defaults (startproject's settings,
  DRF's defaults, ModelViewSets, orders placed with a save() per item), straight to
  PostgreSQL with a new connection per request.

wrk (load.py) drives each endpoint of each server, alternating servers and endpoints within a
round so that a noisy neighbour spreads over all of them, and report.py takes medians over the
rounds and ratios within each. Queries per request and the claims are measured in-process
(inprocess.py, boot.py). The exit status is 1 when BENCH_STRICT=1 and a target is missed.

Environment: BENCH_SECONDS (10) per run, BENCH_ROUNDS (3), BENCH_CONNECTIONS (16),
BENCH_THREADS (2), BENCH_PRODUCTS (10000), BENCH_ORDERS (2000), BENCH_POSTGRES_URL
(postgres://postgres@127.0.0.1:5432, where the database is created), BENCH_REDIS_URL
(redis://127.0.0.1:6379/15, a Redis database the benchmark may empty), BENCH_ONLY (comma-
separated words: only the endpoints whose name contains one, e.g. "healthz,hit"),
BENCH_CLAIMS=0 (skip the in-process claims), BENCH_PROFILE=1 (profile the template on
/healthz and the cached list with py-spy; run.py installs it), BENCH_STRICT=1.
"""

import argparse
import compileall
import contextlib
import itertools
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
from urllib.request import urlopen

import processes
import psycopg
import redis
from load import Endpoint, require_wrk, run_wrk
from project import Project, log_in
from report import (
    AUTHENTICATED,
    CEILING,
    DEFAULTS,
    DETAIL,
    EDGE,
    EDGE_CONNECTIONS,
    EDGE_HIT,
    FLOOR,
    HEALTHZ,
    HIT,
    MISS,
    NOT_PRELOADED,
    ORDERS,
    PLACE,
    PLACE_KEYED,
    REVALIDATED,
    STATS,
    TEMPLATE,
    Report,
    describe_machine,
)

BENCH_DIR = Path(__file__).resolve().parent
DEMO_USERS = 4
HOT_PRODUCTS = 5
# Stock no run can exhaust: an order is refused only by a fault, never for want of stock.
AMPLE_STOCK = 1_000_000_000
# Each run comes from this one machine with a few users: a rate no run reaches, so that the
# throttle still counts every request but never answers 429.
UNREACHED_RATE = "1000000/second"
# Where the floor's products page reads the bytes it sends (bench_defaults/floor_urls.py,
# told by BENCH_STORED_PAGE).
STORED_PAGE = "bench:stored-page"


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
    claims: bool = os.environ.get("BENCH_CLAIMS", "1") != "0"
    profile: bool = os.environ.get("BENCH_PROFILE", "0") == "1"
    strict: bool = os.environ.get("BENCH_STRICT", "0") == "1"
    only: list[str] = field(
        default_factory=lambda: [n for n in os.environ.get("BENCH_ONLY", "").split(",") if n]
    )


def database_url(server_url: str, name: str, port: int | None = None) -> str:
    parts = urlsplit(server_url)
    netloc = parts.netloc if port is None else f"{parts.netloc.rpartition(':')[0]}:{port}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{name}"))


def run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    completed = subprocess.run(
        command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        )
    return completed.stdout


def recreate_database(server_url: str, name: str, drop_only: bool = False) -> None:
    with psycopg.connect(database_url(server_url, "postgres"), autocommit=True) as admin:
        # FORCE: PgBouncer may still hold server connections to it.
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            admin.execute(f'CREATE DATABASE "{name}"')


class Stock:
    """The hot products' stock and the units on their order items, read before and after an
    orders run: units sold beyond the stock lost are an oversell (a lost update)."""

    def __init__(self, url: str, product_ids: list[int]):
        self.url, self.product_ids = url, product_ids

    def fill(self) -> None:
        with psycopg.connect(self.url) as db:
            db.execute(
                "UPDATE catalog_product SET stock = %s WHERE id = ANY(%s)",
                (AMPLE_STOCK, self.product_ids),
            )

    def settled(self, timeout: float = 10) -> tuple[int, int, int]:
        """The snapshot once the orders that were in flight when wrk stopped are written."""
        deadline, last = time.monotonic() + timeout, None
        while (now := self.snapshot()) != last and time.monotonic() < deadline:
            last = now
            time.sleep(0.3)
        return now

    def snapshot(self) -> tuple[int, int, int]:
        """(orders, total stock, units ordered) of the hot products."""
        with psycopg.connect(self.url) as db:
            orders = db.execute("SELECT count(*) FROM catalog_order").fetchone()[0]
            stock, sold = db.execute(
                "SELECT sum(stock), (SELECT coalesce(sum(quantity), 0) FROM catalog_orderitem"
                " WHERE product_id = ANY(%(ids)s)) FROM catalog_product WHERE id = ANY(%(ids)s)",
                {"ids": self.product_ids},
            ).fetchone()
        return orders, int(stock), int(sold)


def gunicorn_settings(project: Path) -> dict:
    """workers, threads, worker_class and max_requests as gunicorn.conf.py computes them."""
    namespace: dict = {"__file__": str(project / "gunicorn.conf.py")}
    saved = dict(os.environ)
    try:
        code = compile((project / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec")
        exec(code, namespace)  # noqa: S102 (the project's own config file)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    keys = ("workers", "threads", "worker_class", "max_requests", "max_requests_jitter")
    settings = {key: namespace[key] for key in keys}
    # The project's subclass of gunicorn's threaded worker (it only closes its socket sooner).
    if not isinstance(settings["worker_class"], str):
        settings["worker_class"] = "gthread"
    return settings


def versions(config: Config) -> str:
    import django
    import gunicorn
    import rest_framework

    with psycopg.connect(database_url(config.postgres_url, "postgres")) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0].split()[0]
    redis_version = redis.Redis.from_url(config.redis_url).info("server")["redis_version"]
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (
        f"Django {django.get_version()}, DRF {rest_framework.VERSION}, gunicorn "
        f"{gunicorn.__version__}, psycopg {psycopg.__version__}, PostgreSQL {postgres}, "
        f"Redis {redis_version}, wrk {(wrk.stdout or wrk.stderr).split()[1]}"
    )


def endpoints(url: str, users: list[dict[str, str]]) -> tuple[dict[str, Endpoint], list[int]]:
    """What each run sends, and the hot products that orders take."""
    with urlopen(f"{url}/api/v1/products/?page_size=100", timeout=30) as response:
        product_ids = [product["id"] for product in json.load(response)["results"]]
    if len(product_ids) < HOT_PRODUCTS:
        raise RuntimeError("the catalog is empty: seed it (manage.py seed_demo)")
    hot = sorted(product_ids[:HOT_PRODUCTS])
    # Every pair of hot products, one unit each: any two orders may want the same row.
    bodies = [
        json.dumps({"items": [{"product": a, "quantity": 1}, {"product": b, "quantity": 1}]})
        for a, b in itertools.combinations(hot, 2)
    ]
    found = [
        Endpoint(HEALTHZ, ["/healthz"]),
        Endpoint(HIT, ["/api/v1/products/"]),
        # A parameter the view does not read: answered from the database, never stored.
        Endpoint(MISS, ["/api/v1/products/"], unique_param="nocache"),
        Endpoint(AUTHENTICATED, ["/api/v1/products/"], users),
        Endpoint(DETAIL, [f"/api/v1/products/{pk}/" for pk in product_ids]),
        Endpoint(ORDERS, ["/api/v1/orders/"], users),
        Endpoint(STATS, ["/api/v1/categories/stats/"]),
        Endpoint(PLACE, ["/api/v1/orders/"], users, method="POST", bodies=bodies),
        Endpoint(
            PLACE_KEYED,
            ["/api/v1/orders/"],
            users,
            method="POST",
            bodies=bodies,
            unique_header="Idempotency-Key",
        ),
        Endpoint(EDGE_HIT, ["/api/v1/products/"]),
        revalidation(url),
    ]
    return {e.name: e for e in found}, hot


def revalidation(url: str) -> Endpoint:
    """The products list asked with the ETag of the copy stored now: a write (an order) since
    changes it, so it is read again before each run."""
    with urlopen(f"{url}/api/v1/products/", timeout=30) as response:
        etag = response.headers["ETag"]
    return Endpoint(REVALIDATED, ["/api/v1/products/"], [{"If-None-Match": etag}])


def plan(config: Config) -> list[tuple[str, str]]:
    runs = [
        (CEILING, HEALTHZ),
        (FLOOR, HEALTHZ),
        (FLOOR, HIT),
        (EDGE, EDGE_HIT),
        (TEMPLATE, REVALIDATED),
        (TEMPLATE, HEALTHZ),
        (NOT_PRELOADED, HEALTHZ),
        (DEFAULTS, HEALTHZ),
        (TEMPLATE, HIT),
        (TEMPLATE, MISS),
        (DEFAULTS, MISS),  # the defaults' only products list: no cache, anyone
        (TEMPLATE, AUTHENTICATED),
        (TEMPLATE, DETAIL),
        (DEFAULTS, DETAIL),
        (TEMPLATE, ORDERS),
        (DEFAULTS, ORDERS),
        (TEMPLATE, STATS),
        (DEFAULTS, STATS),
        (TEMPLATE, PLACE),
        (TEMPLATE, PLACE_KEYED),
        (DEFAULTS, PLACE),
    ]
    if config.only:
        runs = [
            (server, endpoint)
            for server, endpoint in runs
            if server in (CEILING, FLOOR) or any(word in endpoint for word in config.only)
        ]
    return runs


def count_queries(project: Path, env: dict, found: dict[str, Endpoint]) -> dict[str, int | None]:
    probe = [
        {
            "name": e.name,
            "path": e.paths[0],
            "headers": e.headers[0],
            "unique_param": e.unique_param,
            "method": e.method,
            "body": e.bodies[0] if e.bodies else None,
            # In-process, the page's ETag is another (its URL's host is): read it there.
            "revalidate": e.name == REVALIDATED,
        }
        for e in found.values()
    ]
    command = [sys.executable, str(BENCH_DIR / "inprocess.py"), "queries", json.dumps(probe)]
    return json.loads(run(command, env, project))


def boot_claims(project: Path, envs: dict[str, dict], gunicorn: dict, repeat: int = 3):
    """A worker's boot in CPU seconds (boot.py, median of `repeat` fresh interpreters), and its
    share of each request when a worker is replaced every max_requests requests."""
    every = gunicorn["max_requests"] + gunicorn["max_requests_jitter"] / 2
    rows = []
    for label, env in envs.items():
        samples = [
            json.loads(run([sys.executable, str(BENCH_DIR / "boot.py")], env, project))
            for _ in range(repeat)
        ]
        boot = statistics.median(s["import_s"] + s["first_request_s"] for s in samples)
        rows.append(
            {
                "claim": f"a worker's boot without preload_app, every {every:,.0f} requests",
                "variant": f"{label}: {boot * 1000 / every:.2f} ms of CPU per request",
                "seconds": boot,
                "unit": "worker (CPU)",
                "queries": None,
            }
        )
    return rows


def profile(pid: int, url: str, endpoint: Endpoint, config: Config, raw_file: Path) -> str:
    """Where the template's workers spend their time on one endpoint under load: py-spy samples
    every worker while wrk drives it; the functions in most samples of requests being handled
    (each counted once per sample, callers included), as a markdown list."""
    py_spy = Path(sys.executable).parent / "py-spy"
    if not py_spy.exists():
        return "py-spy is not installed in the project's environment: no profile."
    seconds = max(3, round(config.seconds))
    command = [str(py_spy), "record", "--pid", str(pid), "--subprocesses", "--nonblocking"]
    command += ["--format", "raw", "--rate", "200", "--duration", str(seconds)]
    recorder = subprocess.Popen(
        [*command, "--output", str(raw_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    run_wrk(url, endpoint, seconds, connections=config.connections)
    recorder.wait(timeout=seconds + 30)
    inclusive: dict[str, int] = defaultdict(int)
    handling = 0
    for line in raw_file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [
            re.sub(r" \(.*?([\w.]+/[\w.]+\.py):\d+\)$", r" (\1)", f) for f in stack.split(";")
        ]
        if any(f.startswith("WSGIHandler.__call__") for f in frames):
            handling += int(count)
            for frame in set(frames):
                inclusive[frame] += int(count)
    if not handling:
        return "No samples."
    skip = ("process ", "Thread", "_worker", "_WorkItem", "ThreadWorker", "WSGIHandler")
    top = sorted(
        ((f, n) for f, n in inclusive.items() if not f.startswith(skip)), key=lambda i: -i[1]
    )[:20]
    return "\n".join(f"- {100 * n / handling:4.1f}% `{frame}`" for frame, n in top)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    # A SIGTERM (a CI timeout, kill) still stops the servers and drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    require_wrk()
    project = Project(args.project.resolve())
    if not project.has_catalog:
        raise SystemExit("The benchmark needs the example API (example_api=yes).")
    config = Config()
    slug = project.slug
    # The servers get exactly the settings below: nothing from this shell's Django setup.
    for key in [
        k for k in os.environ if k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "THROTTLE_"))
    ]:
        del os.environ[key]
    state_dir = Path(tempfile.mkdtemp(prefix=f"{slug}-bench-"))
    state_dir.chmod(0o755)  # PgBouncer runs as postgres when started by root
    direct_url = database_url(config.postgres_url, slug)
    app_url, pgbouncer = direct_url, None
    if project.pooling == "pgbouncer":
        pgbouncer = processes.pgbouncer(project.pgbouncer_ini, config.postgres_url, state_dir)
        app_url = database_url(config.postgres_url, slug, pgbouncer.port)
    gunicorn = gunicorn_settings(project.path)
    password = secrets.token_urlsafe(16)

    base_env = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        # testserver: Django's test client, which inprocess.py uses.
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "GUNICORN_ACCESS_LOG": "",
        "BENCH_PROJECT_PACKAGE": slug,
    }
    template_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": app_url,
        "DATABASE_DIRECT_URL": direct_url,
        "REDIS_URL": config.redis_url,
        # Behind nginx every request comes from the one address of this machine.
        "THROTTLE_ANON_RATE": UNREACHED_RATE,
        "THROTTLE_USER_RATE": UNREACHED_RATE,
    }
    overlay = state_dir / "overlay"
    shutil.copytree(BENCH_DIR / "defaults", overlay)
    shutil.copy(BENCH_DIR / "bare_wsgi.py", overlay)
    # Bytecode, as the project's image has it (UV_COMPILE_BYTECODE): without it, and with
    # PYTHONDONTWRITEBYTECODE set, every worker gunicorn starts would compile every module.
    compileall.compile_dir(project.path, quiet=1, rx=re.compile(r"/\.venv/"))
    compileall.compile_dir(overlay, quiet=1)
    defaults_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "bench_defaults.settings",
        "PYTHONPATH": str(overlay),
        "DATABASE_URL": direct_url,
    }
    floor_env = {
        **defaults_env,
        "DJANGO_SETTINGS_MODULE": "bench_defaults.floor_settings",
        "REDIS_URL": config.redis_url,
        "BENCH_STORED_PAGE": STORED_PAGE,
    }
    servers = {
        CEILING: processes.gunicorn(
            "ceiling", "bare_wsgi:application", project.path, defaults_env, state_dir
        ),
        FLOOR: processes.gunicorn("floor", "config.wsgi", project.path, floor_env, state_dir),
        TEMPLATE: processes.gunicorn(
            "template", "config.wsgi", project.path, template_env, state_dir
        ),
        NOT_PRELOADED: processes.gunicorn(
            "not-preloaded",
            "config.wsgi",
            project.path,
            {**template_env, "GUNICORN_PRELOAD": "false"},
            state_dir,
        ),
        DEFAULTS: processes.gunicorn(
            "defaults", "config.wsgi", project.path, defaults_env, state_dir
        ),
    }
    # After the template, which it stands in front of.
    servers[EDGE] = processes.nginx(project.nginx_conf, servers[TEMPLATE].port, state_dir)
    report = Report(config.connections)
    started, load = time.monotonic(), os.getloadavg()[0]
    profiles: dict[str, str] = {}
    try:
        print(f"Database {slug} on {config.postgres_url} ({project.pooling})")
        recreate_database(config.postgres_url, slug)
        redis.Redis.from_url(config.redis_url).flushdb()
        if pgbouncer:
            pgbouncer.start()
        manage = [sys.executable, "manage.py"]
        run(
            [*manage, "migrate", "-v0"], {**template_env, "DATABASE_URL": direct_url}, project.path
        )
        run([*manage, "migrate", "-v0"], defaults_env, project.path)  # sessions, admin log
        print(f"Seeding {config.products:,} products and {config.orders:,} orders")
        seed = ["seed_demo", "--products", str(config.products), "--orders", str(config.orders)]
        run([*manage, *seed, "--password", password], template_env, project.path)
        for name, server in servers.items():
            try:
                server.start()
            except Exception as error:
                log = server.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} did not start:\n{log}") from error
        print(
            f"Servers up: {gunicorn['workers']} workers x {gunicorn['threads']} threads "
            f"({gunicorn['worker_class']}) each"
        )
        url = servers[TEMPLATE].base_url
        users = [log_in(url, f"demo-{n}", password) for n in range(1, DEMO_USERS + 1)]
        found, hot = endpoints(url, users)
        with urlopen(f"{url}{found[HIT].paths[0]}", timeout=30) as response:
            redis.Redis.from_url(config.redis_url).set(STORED_PAGE, response.read())
        stock = Stock(direct_url, hot)
        stock.fill()
        for server, env in ((TEMPLATE, template_env), (DEFAULTS, defaults_env)):
            for name, count in count_queries(project.path, env, found).items():
                if count is None and server == TEMPLATE:
                    raise RuntimeError(f"the template refused the request of {name!r}")
                if count is not None:
                    report.queries[server, name] = count
        if (TEMPLATE, HEALTHZ) in report.queries:  # the same code, started differently
            report.queries[NOT_PRELOADED, HEALTHZ] = report.queries[TEMPLATE, HEALTHZ]
        runs = plan(config)
        cache = redis.Redis.from_url(config.redis_url)

        def drive(server: str, endpoint: str, seconds: float) -> None:
            """One run; recorded unless it is a warm-up (seconds < 2)."""
            master = servers[server].process.pid
            cpu_before = processes.cpu_seconds(master)
            before = stock.snapshot() if endpoint in (PLACE, PLACE_KEYED) else None
            if endpoint == REVALIDATED:
                found[REVALIDATED] = revalidation(url)
            result = run_wrk(
                servers[server].base_url,
                found[endpoint],
                seconds,
                connections=EDGE_CONNECTIONS if server == EDGE else config.connections,
                threads=config.threads,
            )
            cpu = processes.cpu_seconds(master) - cpu_before
            if endpoint == MISS and server == TEMPLATE:
                # Every request stored a page: let them go now rather than in 5 minutes.
                keys = list(cache.scan_iter("*catalog:page:*", count=1000))
                for first in range(0, len(keys), 1000):
                    cache.unlink(*keys[first : first + 1000])
            if seconds < 2:
                return
            report.add(server, endpoint, result, cpu)
            line = (
                f"  {server:24} {endpoint:32} {result.requests_per_second:8,.0f} req/s  "
                f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms  "
                f"CPU {cpu * 1000 / max(result.requests, 1):.2f} ms/request"
            )
            if before is not None:
                after = stock.settled()
                oversold = (after[2] - before[2]) - (before[1] - after[1])
                report.add_orders(
                    server, endpoint, result.requests - result.failed, result.seconds, oversold
                )
                line += f"  {oversold:,} units oversold"
            print(line + (f"  {result.errors} errors" if result.failed else ""))

        print("Warming up")
        for server, endpoint in runs:
            drive(server, endpoint, 1)
        for number in range(1, config.rounds + 1):
            print(f"Round {number}/{config.rounds}: {len(runs)} runs of {config.seconds:g} s")
            # Every other round backwards: no run always follows the same one.
            for server, endpoint in runs if number % 2 else reversed(runs):
                drive(server, endpoint, config.seconds)

        if config.profile:
            for name in (HEALTHZ, HIT):
                print(f"Profiling the template on {name}")
                raw = state_dir / f"profile-{len(profiles)}.txt"
                pid = servers[TEMPLATE].process.pid
                profiles[name] = profile(pid, url, found[name], config, raw)
        if config.claims:
            print("Claims, in-process")
            env = {**template_env, "BENCH_DIRECT_URL": direct_url}
            if pgbouncer:
                env["BENCH_PGBOUNCER_URL"] = app_url
            command = [sys.executable, str(BENCH_DIR / "inprocess.py"), "claims"]
            report.claims = json.loads(run(command, env, project.path))
            report.claims += boot_claims(
                project.path, {TEMPLATE: template_env, DEFAULTS: defaults_env}, gunicorn
            )
        software = versions(config)
    finally:
        for server in servers.values():
            server.stop()
        if pgbouncer:
            pgbouncer.stop()
        with contextlib.suppress(Exception):
            recreate_database(config.postgres_url, slug, drop_only=True)
        with contextlib.suppress(Exception):
            redis.Redis.from_url(config.redis_url).flushdb()
        shutil.rmtree(state_dir, ignore_errors=True)

    rounds = f"{config.rounds} round{'s' if config.rounds > 1 else ''}"
    setup = (
        f"Machine: {describe_machine()}; load average {load:.1f} when the run began, "
        f"{os.getloadavg()[0]:.1f} when it ended (other work shares the machine). wrk -t{config.threads} -c{config.connections} on the same machine, keep-alive, "
        f"{config.seconds:g} s per run, {rounds} alternating every server and endpoint.\n"
        f"Each server: gunicorn with the generated project's gunicorn.conf.py, "
        f"{gunicorn['workers']} workers x {gunicorn['threads']} threads "
        f"({gunicorn['worker_class']}), a worker replaced after {gunicorn['max_requests']:,} "
        f"requests (+ up to {gunicorn['max_requests_jitter']}). The template connects "
        f"{'through PgBouncer' if pgbouncer else 'straight to PostgreSQL'} "
        f"(db_pooling={project.pooling}). {software}. "
        f"The run took {(time.monotonic() - started) / 60:.1f} minutes."
    )
    text = report.markdown(setup)
    for name, summary in profiles.items():
        text += f"\n### Profile: the template on {name}, under load (py-spy)\n\n{summary}\n"
    print("\n" + text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        print(f"Written to {args.output}")
    code = report.exit_code(config.strict)
    if code:
        print("BENCH_STRICT=1: a target was missed or not measured.")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
