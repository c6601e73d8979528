"""A small HTTP client for the topology tests: real sockets, cookies kept like a browser's."""

import http.client
import http.cookiejar
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The status of a response that never arrived whole: the connection was closed before it began
# or in the middle of it (as when the server answering it dies).
CUT_OFF = 0


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes
    # When the request was sent, on time.monotonic()'s clock.
    sent_at: float = field(default=0.0, compare=False)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def served_by(self) -> str:
        """The instance that answered. nginx's X-Upstream lists every address it tried, in
        order: the last one answered."""
        return self.headers.get("X-Upstream", "").rsplit(",", 1)[-1].strip()


class UserAgent:
    """One client of the API: its cookies and headers go with every request, to any server.

    Cookies are per host, not per port, so a session cookie set by one instance is sent to
    the other, as a browser would send it to any replica behind one hostname. Like a browser
    app, it returns the CSRF cookie in X-CSRFToken on unsafe requests.
    """

    def __init__(self, headers: dict[str, str] | None = None):
        self.headers = dict(headers or {})
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # 127.0.0.1 only, whatever http_proxy says
            urllib.request.HTTPCookieProcessor(self.cookies),
        )

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def request(self, method: str, url: str, body: Any = None, timeout: float = 10) -> Response:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        csrf_token = self.cookie("csrftoken")
        if method in UNSAFE_METHODS and csrf_token:
            headers["X-CSRFToken"] = csrf_token
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        sent_at = time.monotonic()
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return Response(response.status, response.headers, response.read(), sent_at)
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, error.headers, error.read(), sent_at)
        except (http.client.HTTPException, ConnectionError) as error:
            return Response(CUT_OFF, Message(), repr(error).encode(), sent_at)

    def get(self, url: str, timeout: float = 10) -> Response:
        return self.request("GET", url, timeout=timeout)

    def post(self, url: str, body: Any = None, timeout: float = 10) -> Response:
        return self.request("POST", url, body, timeout=timeout)


def readiness(base_url: str) -> tuple[int, dict]:
    """Status and body of /readyz on one server."""
    response = UserAgent().get(f"{base_url}/readyz")
    return response.status, response.json()


def burst(
    send: Callable[[int], Response],
    count: int,
    concurrency: int,
    fault_after: int,
    fault: Callable[[], None],
    timeout: float = 30,
) -> tuple[list[Response], float]:
    """send(0..count-1), `concurrency` at a time; once `fault_after` responses are back, run
    fault() while up to `concurrency` requests are in flight. Requests from number
    fault_after + concurrency on are sent only once fault() has returned, so that many meet the
    topology after the fault whatever the machine's speed.

    Return the responses in request order and the moment fault() returned.
    """
    responses: dict[int, Response] = {}
    fault_done = threading.Event()
    fault_done_at = float("inf")

    def paced(index: int) -> Response:
        if index >= fault_after + concurrency and not fault_done.wait(timeout):
            raise TimeoutError("the fault did not happen")
        return send(index)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = {pool.submit(paced, index): index for index in range(count)}
        for done, future in enumerate(as_completed(futures, timeout=timeout), start=1):
            responses[futures[future]] = future.result()
            if done == fault_after:
                fault()
                fault_done_at = time.monotonic()
                fault_done.set()
    return [responses[index] for index in range(count)], fault_done_at
