"""The load driver: one wrk run per (server, endpoint), read back as a Result.

wrk is given a Lua script that varies each request (path, headers, body, client address,
request id) and prints its figures as one JSON line. Standard library only: the template's
tests import this module without a generated project.
"""

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field

RESULT_MARKER = "BENCH_RESULT "


@dataclass
class Endpoint:
    """What one wrk run sends: paths, header sets and bodies, each rotated request by request."""

    name: str
    paths: Sequence[str]
    headers: Sequence[dict[str, str]] = ({},)
    method: str = "GET"
    # JSON documents, one per request in turn (POST): sent with Content-Type application/json.
    bodies: Sequence[str] = ()
    # A query parameter given a new value on every request: the catalog answers a parameter
    # it does not read from the database, without storing it (a cache miss every time).
    unique_param: str | None = None
    # A header given a new value on every request (an Idempotency-Key).
    unique_header: str | None = None
    # A different X-Forwarded-For on every request, as from many clients: the throttle (which
    # trusts the header when no proxy replaces it) counts each apart, as in production.
    many_clients: bool = True


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        """Requests answered with a status >= 400, or lost to a socket error or timeout."""
        return sum(self.errors.values())


def _lua(value) -> str:
    """A Lua literal for a str, or a list or dict of them (JSON's string escapes are Lua's)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    return "{" + ", ".join(_lua(item) for item in value) + "}"


LUA_TEMPLATE = """
local method = %(method)s
local paths = %(paths)s
local header_sets = %(headers)s
local bodies = %(bodies)s
local unique_param = %(unique_param)s
local unique_header = %(unique_header)s
local many_clients = %(many_clients)s
local counter = 0
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  math.randomseed(os.time() * 100 + (thread_number or 0))
  -- Each thread starts elsewhere in the rotations, so two threads do not send the same
  -- sequence in step (the same order bodies locking the same rows at the same moment).
  counter = (thread_number or 0) * 7919
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
  if unique_header then
    headers[unique_header] = string.format("bench-%%d-%%d-%%d", thread_number or 0, counter, os.time())
  end
  if many_clients then
    headers["X-Forwarded-For"] = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. ".1"
  end
  -- What nginx adds to every request it forwards: the app then uses it as the request's id.
  headers["X-Request-ID"] = string.format("bench-%%d-%%d", thread_number or 0, counter)
  local body = nil
  if #bodies > 0 then
    body = bodies[(counter %% #bodies) + 1]
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(marker)s{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def lua_script(endpoint: Endpoint) -> str:
    return LUA_TEMPLATE % {
        "method": _lua(endpoint.method),
        "paths": _lua(list(endpoint.paths)),
        "headers": _lua(list(endpoint.headers)),
        "bodies": _lua(list(endpoint.bodies)),
        "unique_param": _lua(endpoint.unique_param) if endpoint.unique_param else "nil",
        "unique_header": _lua(endpoint.unique_header) if endpoint.unique_header else "nil",
        "many_clients": "true" if endpoint.many_clients else "false",
        "marker": RESULT_MARKER,
    }


def require_wrk() -> str:
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    return binary


def parse(output: str) -> Result:
    """The Result in wrk's output (the line the Lua script's done() wrote)."""
    for line in output.splitlines():
        if line.startswith(RESULT_MARKER):
            data = json.loads(line.removeprefix(RESULT_MARKER))
            return Result(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                p50_ms=data["p50_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
                errors={kind: count for kind, count in data["errors"].items() if count},
            )
    raise RuntimeError(f"wrk printed no result:\n{output}")


def run_wrk(
    base_url: str,
    endpoint: Endpoint,
    seconds: float,
    *,
    connections: int = 16,
    threads: int = 2,
) -> Result:
    """Drive one endpoint for `seconds`, on keep-alive connections as nginx keeps them."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua_script(endpoint))
        script.flush()
        command = [require_wrk(), f"-t{threads}", f"-c{connections}"]
        command += [f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", script.name]
        command.append(base_url.rstrip("/") + endpoint.paths[0])
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    return parse(completed.stdout + completed.stderr)
