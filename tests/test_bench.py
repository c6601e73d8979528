"""The fragile parts of `make bench` (bench/), in seconds, without running a project.

The full benchmark takes minutes and is run by hand; its results are committed in
bench/results/. These tests keep honest what it rests on: the Lua script wrk runs (checked on
a local server that records every request), the figures read back from wrk, the tables, the
exit status that BENCH_STRICT=1 makes of a missed target, and the nginx configuration it
rewrites from the project's.
"""

import json
import os
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import load, processes, report
from tests.conftest import bake, run


def require(program: str, package: str) -> None:
    if shutil.which(program) is None:
        reason = f"{program} is not installed (apt-get install {package})"
        if os.environ.get("REQUIRE_ALL_PROGRAMS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module", autouse=True)
def wrk():
    require("wrk", "wrk")


class Recorder(BaseHTTPRequestHandler):
    """Answers 200 with a small JSON body (500 under /broken) and records each request."""

    protocol_version = "HTTP/1.1"  # keep-alive, as wrk expects
    seen: list[dict]

    def respond(self, body: bytes = b""):
        self.seen.append({"method": self.command, "path": self.path, "body": body, **self.headers})
        answer = b'{"status": "ok"}'
        self.send_response(500 if self.path.startswith("/broken") else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_GET(self):
        self.respond()

    def do_POST(self):
        self.respond(self.rfile.read(int(self.headers["Content-Length"])))

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    seen: list[dict] = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (Recorder,), {"seen": seen}))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_cache_miss_run_sends_every_request_to_a_new_url_from_a_new_client(server):
    url, seen = server
    tokens = [{"Authorization": "Token a"}, {"Authorization": "Token b"}]
    endpoint = load.Endpoint("miss", ["/api/v1/products/"], tokens, unique_param="nocache")

    result = load.run_wrk(url, endpoint, 1, connections=4, threads=2)

    assert result.requests > 50
    assert result.failed == 0
    assert 0 < result.p50_ms <= result.p99_ms
    paths = [request["path"] for request in seen]
    assert all(re.fullmatch(r"/api/v1/products/\?nocache=\d+-\d+", path) for path in paths)
    assert len(set(paths)) == len(paths)
    # 65,536 possible addresses: a few repeats at most, never one address for everything.
    assert len({request["X-Forwarded-For"] for request in seen}) > len(seen) / 2
    assert {request["Authorization"] for request in seen} == {"Token a", "Token b"}
    # A request id of its own, as nginx gives each request in production.
    request_ids = [request["X-Request-ID"] for request in seen]
    assert all(re.fullmatch(r"bench-\d+-\d+", rid) for rid in request_ids)
    assert len(set(request_ids)) == len(request_ids)


def test_without_a_unique_parameter_every_request_asks_for_the_same_url(server):
    url, seen = server

    result = load.run_wrk(url, load.Endpoint("hit", ["/api/v1/products/"]), 1, connections=2)

    assert result.requests > 0
    assert {request["path"] for request in seen} == {"/api/v1/products/"}
    assert {request["method"] for request in seen} == {"GET"}


def test_an_orders_run_posts_each_json_body_in_turn(server):
    url, seen = server
    bodies = [json.dumps({"items": [{"product": n, "quantity": 1}]}) for n in range(3)]
    endpoint = load.Endpoint("place", ["/api/v1/orders/"], method="POST", bodies=bodies)

    result = load.run_wrk(url, endpoint, 1, connections=2, threads=1)

    assert result.requests > 3
    assert {request["method"] for request in seen} == {"POST"}
    assert {request["Content-Type"] for request in seen} == {"application/json"}
    assert {request["body"].decode() for request in seen} == set(bodies)


def test_error_responses_are_counted_as_failed_requests(server):
    url, _ = server

    result = load.run_wrk(url, load.Endpoint("broken", ["/broken"]), 1, connections=2, threads=1)

    assert result.requests > 0
    assert result.failed == result.requests


def test_output_without_the_scripts_result_line_is_an_error():
    with pytest.raises(RuntimeError, match="wrk printed no result"):
        load.parse("Running 1s test @ http://127.0.0.1:1/\nunable to connect\n")


def test_the_table_is_markdown_with_numbers_aligned_right():
    table = report.markdown_table(["endpoint", "requests/s"], [["/healthz", "1,234"]])

    assert table.splitlines() == [
        "| endpoint | requests/s |",
        "| -------- | ---------: |",
        "| /healthz |      1,234 |",
    ]


def result(requests_per_second: float, p99_ms: float = 10.0, failed: int = 0):
    errors = {"status": failed} if failed else {}
    return load.Result(round(requests_per_second * 10), 10.0, p99_ms / 2, p99_ms, errors)


def a_run(edge: float = 14000, miss: float = 1300, healthz_p99: float = 20.0) -> report.Report:
    """Two rounds of every measured figure; the ceiling serves 4,000 requests/s."""
    run = report.Report(connections=16)
    for _ in range(2):
        run.add(report.CEILING, report.HEALTHZ, result(4000), 2.0)
        run.add(report.EDGE, report.EDGE_HIT, result(edge, 12), 1.0)
        run.add(report.TEMPLATE, report.REVALIDATED, result(1600), 5.0)
        run.add(report.FLOOR, report.HEALTHZ, result(2800), 3.0)
        run.add(report.FLOOR, report.HIT, result(2200), 3.5)
        run.add(report.TEMPLATE, report.HEALTHZ, result(2400, healthz_p99), 4.0)
        run.add(report.TEMPLATE, report.HIT, result(2000), 8.0)
        run.add(report.TEMPLATE, report.MISS, result(miss, 60), 20.0)
        run.add(report.TEMPLATE, report.AUTHENTICATED, result(1300, 70), 20.0)
        run.add(report.DEFAULTS, report.MISS, result(100, 900), 40.0)
        run.add(report.TEMPLATE, report.PLACE, result(300), 30.0)
        run.add(report.TEMPLATE, report.PLACE_KEYED, result(280), 30.0)
        run.add(report.DEFAULTS, report.PLACE, result(200), 30.0)
        run.add_orders(report.TEMPLATE, report.PLACE, placed=3000, seconds=10.0, oversold=0)
        run.add_orders(report.TEMPLATE, report.PLACE_KEYED, placed=2800, seconds=10.0, oversold=0)
        run.add_orders(report.DEFAULTS, report.PLACE, placed=2000, seconds=10.0, oversold=7)
    run.queries[report.TEMPLATE, report.MISS] = 2
    run.queries[report.TEMPLATE, report.REVALIDATED] = 0
    run.claims = [
        {
            "claim": "the products list in-process",
            "variant": "cache miss",
            "seconds": 0.0025,
            "unit": "request",
            "queries": 2,
        }
    ]
    return run


def rows(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()]


def test_every_ratio_is_taken_against_the_ceiling_and_the_defaults():
    table = rows(a_run().endpoints_table())

    (miss,) = [row for row in table if row[:2] == [report.MISS, report.TEMPLATE]]
    # requests/s, p50, p99, CPU ms/request, queries, × ceiling, × defaults, errors
    assert miss[2:] == ["1,300", "30.0", "60.0", "1.54", "2", "0.33", "13.00", "0"]
    # The defaults' one uncached list stands for their cache-hit row too.
    (defaults_hit,) = [
        row for row in table if row[:2] == [report.HIT, "Django defaults (no cache)"]
    ]
    assert defaults_hit[2] == "100"


def test_a_run_that_meets_every_target_passes_even_when_strict():
    run = a_run()

    assert {check.result for check in run.checks() if check.target} == {"met"}
    assert run.exit_code(strict=True) == 0
    orders = rows(run.orders_table())
    assert [report.TEMPLATE, report.PLACE_KEYED, "280", "0"] in orders
    (keyed,) = [check for check in run.checks() if "Idempotency-Key" in check.label]
    assert (keyed.value, keyed.result) == (pytest.approx(2800 / 3000), "met")


def test_a_missed_target_fails_the_run_only_when_strict():
    run = a_run(edge=8000)  # 2 times the ceiling, where 3 is the target

    (edge,) = [
        check
        for check in run.checks()
        if check.label == f"{report.EDGE_HIT}, fraction of the ceiling"
    ]
    assert (edge.value, edge.result) == (2.0, "missed")
    assert run.exit_code(strict=True) == 1
    assert run.exit_code(strict=False) == 0


@pytest.mark.parametrize(
    "spoil",
    [
        lambda run: run.add_orders(
            report.TEMPLATE, report.PLACE, placed=1, seconds=1.0, oversold=1
        ),
        lambda run: run.add(report.TEMPLATE, report.STATS, result(500, failed=3), 1.0),
        lambda run: run.claims.clear(),  # the one-thread page: not measured
    ],
    ids=["an oversell", "failed requests", "a target not measured"],
)
def test_strict_mode_fails_on(spoil):
    run = a_run()
    spoil(run)

    assert run.exit_code(strict=True) == 1


def test_the_markdown_report_has_every_section():
    text = a_run().markdown("Machine: a test")

    for heading in ("Endpoints", "Orders under contention", "Targets", "Claims, in-process"):
        assert f"### {heading}\n" in text
    assert "Machine: a test" in text
    assert " None" not in text  # no figure left unmeasured


def test_the_floor_is_shown_beside_the_targets_it_bounds_and_holds_to_none():
    run = a_run()

    table = rows(run.endpoints_table())
    assert ["/healthz", report.FLOOR, "2,800"] in [row[:3] for row in table]
    (floor_hit,) = [
        row for row in table if row[:2] == [report.HIT, report.FLOOR_LABEL[report.HIT]]
    ]
    assert floor_hit[7:9] == ["0.55", "-"]  # × ceiling; the defaults are not its baseline
    floors = [check for check in run.checks() if "floor" in check.label]
    assert [(check.value, check.target) for check in floors] == [(0.55, ""), (0.7, "")]
    assert run.exit_code(strict=True) == 0


def test_the_edge_server_runs_the_projects_nginx_config_rewritten_for_this_machine(tmp_path):
    require("nginx", "nginx-light")
    project = bake(tmp_path / "out")  # the defaults, as make bench generates them
    processes.nginx(project / "deploy" / "nginx" / "nginx.conf", 8000, tmp_path)

    checked = run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", f"{tmp_path}/"], tmp_path
    )

    assert "test is successful" in checked.stderr
