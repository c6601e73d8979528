"""Load-test the endpoints with wrk: requests/s, p50, p99 and SQL queries per request.

    make bench                                  # the native topology, started and stopped here
    BENCH_SECONDS=2 make bench                  # a quick look
    BENCH_URL=http://127.0.0.1:8080 make bench  # a server that is already running

Without BENCH_URL this starts the production topology of scripts/topology.py on free ports
(PgBouncer when the project uses it, two gunicorn instances, nginx) with SERVER_TIMING on,
fills the catalog with `manage.py seed_demo`, logs in a few demo users, and drives each
endpoint for BENCH_SECONDS with wrk: 2 threads, 16 connections, keep-alive. Queries per request
come from the Server-Timing header of one request per endpoint; a server running without
SERVER_TIMING=true shows "-" there.

Against BENCH_URL, nothing is started or seeded unless --seed is given (seed_demo then writes
to this machine's DATABASE_URL, which must be the server's database); the orders endpoint needs
the demo users' password in BENCH_PASSWORD.

Every request of a run comes from this machine, so the throttle rates (per client address and
per user) are raised for the servers started here: 100/minute would turn the run into 429s.

The functions here (Endpoint, run_wrk, markdown_table...) drive other benchmarks too: wrk is
given a Lua script that varies the URL and headers per request and prints its figures as JSON.
"""

import argparse
import contextlib
import http.client
import importlib.util
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from scripts import topology  # noqa: E402

# The demo users that seed_demo creates (demo-1 ... demo-20) and the ones whose tokens a run
# rotates through: each login hashes a password (a few hundred ms), so a handful.
DEMO_USER = "demo-{}"
LOGGED_IN_USERS = 4
# High enough never to answer 429 to one machine's load; per second, so that the history DRF
# keeps per client holds at most one second of requests.
UNTHROTTLED_RATE = "1000000/second"
RESULT_MARKER = "BENCH_RESULT "


@dataclass
class Endpoint:
    """What one wrk run requests: GET paths and header sets, each rotated request by request."""

    name: str
    paths: Sequence[str]
    headers: Sequence[dict[str, str]] = ({},)
    # A query parameter given a new value on every request: each request is a cache miss for
    # a view whose cache key is the full URL.
    unique_param: str | None = None
    # A different X-Forwarded-For on every request, as if from many clients: a server that
    # trusts the header (the throttle does, when no proxy replaces it) counts each apart, as in
    # production, instead of one client that sends everything.
    many_clients: bool = True


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        """Requests answered with a status >= 400, or lost to a socket error or timeout."""
        return sum(self.errors.values())


def _lua(value) -> str:
    """A Lua literal for a str, or a list or dict of them (ASCII only, which URLs are)."""
    if isinstance(value, str):
        return json.dumps(value)  # "..." with \" and \\ escapes: valid Lua too
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    return "{" + ", ".join(_lua(item) for item in value) + "}"


LUA_TEMPLATE = """
local paths = %(paths)s
local header_sets = %(headers)s
local unique_param = %(unique_param)s
local many_clients = %(many_clients)s
local counter = 0
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  math.randomseed(os.time() * 100 + (thread_number or 0))
end

function request()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  if unique_param then
    local separator = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. separator .. unique_param .. "=" .. (thread_number or 0) .. "-" .. counter
  end
  local headers = {}
  for name, value in pairs(header_sets[(counter %% #header_sets) + 1]) do
    headers[name] = value
  end
  if many_clients then
    headers["X-Forwarded-For"] = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. ".1"
  end
  -- What nginx adds to every request it forwards (deploy/nginx/nginx.conf): the app then uses
  -- it rather than generating an id of its own.
  headers["X-Request-ID"] = string.format("bench-%%d-%%d", thread_number or 0, counter)
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(marker)s{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "errors": {"connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def lua_script(endpoint: Endpoint) -> str:
    return LUA_TEMPLATE % {
        "paths": _lua(list(endpoint.paths)),
        "headers": _lua(list(endpoint.headers)),
        "unique_param": _lua(endpoint.unique_param) if endpoint.unique_param else "nil",
        "many_clients": "true" if endpoint.many_clients else "false",
        "marker": RESULT_MARKER,
    }


def require_wrk() -> str:
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    return binary


def run_wrk(
    base_url: str,
    endpoint: Endpoint,
    seconds: float,
    *,
    connections: int = 16,
    threads: int = 2,
) -> Result:
    """Drive one endpoint for `seconds` with wrk; keep-alive connections, as nginx keeps them."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua_script(endpoint))
        script.flush()
        command = [
            require_wrk(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
            base_url.rstrip("/") + endpoint.paths[0],
        ]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            data = json.loads(line.removeprefix(RESULT_MARKER))
            break
    else:
        raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors={kind: count for kind, count in data["errors"].items() if count},
    )


def http_get(base_url: str, path: str, headers: dict[str, str] | None = None):
    """(status, headers, body) of one GET, without any proxy the environment names."""
    url = urlsplit(base_url)
    connection_class = (
        http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(url.hostname, url.port, timeout=30)
    try:
        connection.request("GET", url.path.rstrip("/") + path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def http_post_json(base_url: str, path: str, body: dict):
    url = urlsplit(base_url)
    connection_class = (
        http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(url.hostname, url.port, timeout=30)
    try:
        connection.request(
            "POST",
            url.path.rstrip("/") + path,
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


SERVER_TIMING_QUERIES = re.compile(r'db;[^,]*desc="(\d+) quer')


def queries_per_request(base_url: str, endpoint: Endpoint) -> int | None:
    """The SQL queries of one request, from the Server-Timing header (SERVER_TIMING=true)."""
    path = endpoint.paths[0]
    if endpoint.unique_param:
        separator = "&" if "?" in path else "?"
        path = f"{path}{separator}{endpoint.unique_param}=probe-{secrets.token_hex(4)}"
    status, headers, _ = http_get(base_url, path, dict(endpoint.headers[0]))
    match = SERVER_TIMING_QUERIES.search(headers.get("Server-Timing", ""))
    if status >= 400 or match is None:
        return None
    return int(match.group(1))


def markdown_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], text_columns: int = 1
) -> str:
    """A markdown table: the first `text_columns` left-aligned, the figures right-aligned."""
    widths = [max(len(str(row[i])) for row in [columns, *rows]) for i in range(len(columns))]

    def line(cells) -> str:
        padded = [
            str(cell).ljust(widths[i]) if i < text_columns else str(cell).rjust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        "-" * width if i < text_columns else "-" * (width - 1) + ":"
        for i, width in enumerate(widths)
    ]
    return "\n".join([line(columns), line(rule), *(line(row) for row in rows)])


def describe_machine() -> str:
    cpu = platform.machine()
    with contextlib.suppress(OSError):
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GB RAM"
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


# --- The endpoints of this project ------------------------------------------------------------


def has_catalog() -> bool:
    return importlib.util.find_spec(f"{topology.SLUG}.catalog") is not None


def log_in(base_url: str, username: str, password: str) -> dict[str, str]:
    """The headers that authenticate later requests as this user, in whichever way the
    project authenticates (tests/topology/credentials.py does it as a real client does)."""
    from tests.topology.credentials import log_in as credentials_log_in
    from tests.topology.useragent import UserAgent

    agent = UserAgent()
    credentials_log_in(agent, base_url.rstrip("/"), username, password)
    headers = dict(agent.headers)
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in agent.cookies)
    if cookies:
        headers["Cookie"] = cookies
    return headers


def catalog_endpoints(base_url: str, user_headers: Sequence[dict[str, str]]) -> list[Endpoint]:
    """The example API's reads. Product detail rotates over 100 products; the orders list over
    the logged-in users (none: not measured)."""
    status, _, body = http_get(base_url, "/api/v1/products/?page_size=100")
    if status != 200:
        raise RuntimeError(f"GET /api/v1/products/ answered {status}: {body[:200]!r}")
    product_ids = [product["id"] for product in json.loads(body)["results"]]
    if not product_ids:
        raise RuntimeError("the catalog is empty: seed it (manage.py seed_demo)")
    endpoints = [
        Endpoint("products list, cache hit", ["/api/v1/products/"]),
        # The cache key is the full URL: an unknown parameter changes it, not the page.
        Endpoint("products list, cache miss", ["/api/v1/products/"], unique_param="nocache"),
        Endpoint("product detail", [f"/api/v1/products/{pk}/" for pk in product_ids]),
    ]
    if user_headers:
        endpoints.append(Endpoint("orders list (own)", ["/api/v1/orders/"], user_headers))
    endpoints.append(Endpoint("category stats, cached", ["/api/v1/categories/stats/"]))
    return endpoints


def project_endpoints(base_url: str, user_headers: Sequence[dict[str, str]]) -> list[Endpoint]:
    endpoints = [Endpoint("/healthz", ["/healthz"])]
    if has_catalog():
        endpoints += catalog_endpoints(base_url, user_headers)
    return endpoints


def seed(products: int, orders: int, password: str) -> None:
    command = [sys.executable, "manage.py", "seed_demo", "--products", str(products)]
    command += ["--orders", str(orders), "--password", password]
    print(f"Seeding: {products:,} products, {orders:,} orders (manage.py seed_demo)")
    # Production settings, as the servers run: development settings would log every row's SQL.
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "localhost",
        **os.environ,
    }
    subprocess.run(command, cwd=PROJECT_DIR, env=env, check=True)


@contextlib.contextmanager
def native_topology() -> Iterator[topology.Topology]:
    """scripts/topology.py's production topology on free ports, in a directory of its own."""
    state_dir = Path(tempfile.mkdtemp(prefix=f"{topology.SLUG}-bench-"))
    # PgBouncer runs as postgres and nginx's workers as nobody when started by root.
    state_dir.chmod(0o755)
    os.environ.update(
        {
            "TOPOLOGY_DIR": str(state_dir),
            "SERVER_TIMING": "true",
            "THROTTLE_ANON_RATE": UNTHROTTLED_RATE,
            "THROTTLE_USER_RATE": UNTHROTTLED_RATE,
        }
    )
    ports = [topology.free_port(), topology.free_port()]
    running = topology.from_environment(ports, topology.free_port())
    try:
        with running:
            yield running
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("BENCH_SECONDS", "10")),
        help="per endpoint (BENCH_SECONDS, default 10)",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--url", default=os.environ.get("BENCH_URL"), help="BENCH_URL")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument(
        "--seed",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="seed the catalog (default: only when the topology is started here)",
    )
    args = parser.parse_args(argv)
    require_wrk()

    with contextlib.ExitStack() as stack:
        base_url = args.url.rstrip("/") if args.url else stack.enter_context(native_topology()).url
        password = os.environ.get("BENCH_PASSWORD") or secrets.token_urlsafe(16)
        if has_catalog() and (args.seed if args.seed is not None else not args.url):
            seed(args.products, args.orders, password)
        user_headers = []
        if has_catalog() and (not args.url or args.seed or os.environ.get("BENCH_PASSWORD")):
            user_headers = [
                log_in(base_url, DEMO_USER.format(n), password)
                for n in range(1, LOGGED_IN_USERS + 1)
            ]
        endpoints = project_endpoints(base_url, user_headers)

        print(
            f"\n{base_url}: wrk -t{args.threads} -c{args.connections}, "
            f"{args.seconds:g} s per endpoint\n"
        )
        rows = []
        for endpoint in endpoints:
            # A short warm-up: the first requests of a worker import code and open connections.
            run_wrk(base_url, endpoint, 1, connections=args.connections, threads=args.threads)
            result = run_wrk(
                base_url,
                endpoint,
                args.seconds,
                connections=args.connections,
                threads=args.threads,
            )
            queries = queries_per_request(base_url, endpoint)
            rows.append(
                [
                    endpoint.name,
                    f"{result.requests_per_second:,.0f}",
                    f"{result.p50_ms:.1f}",
                    f"{result.p99_ms:.1f}",
                    "-" if queries is None else str(queries),
                    f"{result.failed:,}",
                ]
            )
        columns = ["endpoint", "requests/s", "p50 ms", "p99 ms", "queries/request", "errors"]
        print(markdown_table(columns, rows))
        print(f"\n{describe_machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
