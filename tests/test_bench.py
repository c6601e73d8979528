"""The load driver of `make bench` (a generated project's scripts/bench.py), against a local
HTTP server that records what it receives.

The full benchmark (`make bench` at the root, bench/run.py) takes minutes; it is run by hand
and its results are committed in bench/results/. These tests keep its fragile part honest: the
Lua script wrk runs, the figures read back from it, and the table printed from them.
"""

import importlib
import re
import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import bake

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


class Recorder(BaseHTTPRequestHandler):
    """Answers 200 with a small JSON body (500 under /broken) and records each request."""

    protocol_version = "HTTP/1.1"  # keep-alive, as wrk expects
    seen: list[tuple[str, str, str, str]]

    def do_GET(self):
        self.seen.append(
            (
                self.path,
                self.headers.get("X-Forwarded-For", ""),
                self.headers.get("Authorization", ""),
                self.headers.get("X-Request-ID", ""),
            )
        )
        body = b'{"status": "ok"}'
        self.send_response(500 if self.path.startswith("/broken") else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """scripts/bench.py of a generated project (standard library only: no install needed)."""
    project = bake(tmp_path_factory.mktemp("bench"), project_name="Bench Smoke")
    sys.path.insert(0, str(project))
    try:
        yield importlib.import_module("scripts.bench")
    finally:
        sys.path.remove(str(project))
        for name in [n for n in sys.modules if n == "scripts" or n.startswith("scripts.")]:
            del sys.modules[name]


@pytest.fixture
def server():
    seen: list[tuple[str, str, str, str]] = []
    handler = type("Handler", (Recorder,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_cache_miss_run_sends_every_request_to_a_new_url_from_a_new_client(bench, server):
    url, seen = server
    tokens = [{"Authorization": "Token a"}, {"Authorization": "Token b"}]
    endpoint = bench.Endpoint("miss", ["/api/v1/products/"], tokens, unique_param="nocache")

    result = bench.run_wrk(url, endpoint, 1, connections=4, threads=2)

    assert result.requests > 50
    assert result.failed == 0
    assert 0 < result.p50_ms <= result.p99_ms
    paths = [path for path, _, _, _ in seen]
    assert all(re.fullmatch(r"/api/v1/products/\?nocache=\d+-\d+", path) for path in paths)
    assert len(set(paths)) == len(paths)
    # 65,536 possible addresses: a few repeats at most, never one address for everything.
    assert len({client for _, client, _, _ in seen}) > len(seen) / 2
    assert {token for _, _, token, _ in seen} == {"Token a", "Token b"}
    # A request id of its own, as nginx gives each request in production.
    request_ids = [request_id for _, _, _, request_id in seen]
    assert all(re.fullmatch(r"bench-\d+-\d+", rid) for rid in request_ids)
    assert len(set(request_ids)) == len(request_ids)


def test_without_a_unique_parameter_every_request_asks_for_the_same_url(bench, server):
    url, seen = server
    endpoint = bench.Endpoint("hit", ["/api/v1/products/"])

    result = bench.run_wrk(url, endpoint, 1, connections=2, threads=1)

    assert result.requests > 0
    assert {path for path, _, _, _ in seen} == {"/api/v1/products/"}


def test_error_responses_are_counted_as_failed_requests(bench, server):
    url, _ = server

    result = bench.run_wrk(url, bench.Endpoint("broken", ["/broken"]), 1, connections=2, threads=1)

    assert result.requests > 0
    assert result.failed == result.requests


def test_the_table_is_markdown_with_numbers_aligned_right(bench):
    table = bench.markdown_table(["endpoint", "requests/s"], [["/healthz", "1,234"]])

    assert table.splitlines() == [
        "| endpoint | requests/s |",
        "| -------- | ---------: |",
        "| /healthz |      1,234 |",
    ]
