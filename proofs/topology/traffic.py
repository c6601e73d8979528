"""Requests as the topology tests send them: timed, and never raising for a dropped connection."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

import httpx

# The status of a response that never arrived whole: the connection was closed before it began
# or in the middle of it (as when the server answering it dies).
CUT_OFF = 0


def send(http: httpx.Client, method: str, url: str, **kwargs) -> httpx.Response:
    sent_at = time.monotonic()
    try:
        response = http.request(method, url, **kwargs)
    except httpx.TransportError:
        response = httpx.Response(CUT_OFF)
    response.sent_at = sent_at
    return response


def served_by(response: httpx.Response) -> str:
    """The instance that answered: X-Upstream lists each one nginx tried, the last answered."""
    return response.headers.get("X-Upstream", "").rsplit(",", 1)[-1].strip()


def address(instance) -> str:
    return f"127.0.0.1:{instance.port}"


def burst(
    request: Callable[[int], httpx.Response],
    count: int,
    concurrency: int,
    fault_after: int,
    fault: Callable[[], object],
    timeout: float = 30,
) -> tuple[list[httpx.Response], float]:
    """request(0..count-1), `concurrency` at a time; once `fault_after` responses are back, run
    fault() while requests are in flight. Requests from fault_after + concurrency on wait for
    fault() to return, so that many meet the topology after the fault, whatever the machine's
    speed. Return the responses in request order and the moment fault() returned."""
    responses: dict[int, httpx.Response] = {}
    fault_done = threading.Event()
    fault_done_at = float("inf")

    def paced(index: int) -> httpx.Response:
        if index >= fault_after + concurrency and not fault_done.wait(timeout):
            raise TimeoutError("the fault did not happen")
        return request(index)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = {pool.submit(paced, index): index for index in range(count)}
        for done, future in enumerate(as_completed(futures, timeout=timeout), start=1):
            responses[futures[future]] = future.result()
            if done == fault_after:
                fault()
                fault_done_at = time.monotonic()
                fault_done.set()
    return [responses[index] for index in range(count)], fault_done_at
