"""/metrics shows the same totals whichever gunicorn worker answers the scrape, across workers
recycled by max_requests, and a clean stop leaves no sample file behind."""

import glob
import os
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.conf import settings
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.parser import text_string_to_metric_families

from tests.proofs import servers


def scraped(body: bytes, name: str, **labels: str) -> float:
    """The sum of the samples called `name` carrying `labels` in a /metrics response."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def write_stale_count(path, route: str, count: float) -> None:
    """A counter file as a worker of a previous run would have left it."""
    stale = MmapedDict(str(path))
    key = mmap_key(
        "django_http_requests",
        "django_http_requests_total",
        ["method", "route", "status"],
        ["GET", route, "200"],
        "HTTP requests by method, URL pattern and status.",
    )
    stale.write_value(key, count, 0.0)
    stale.close()


@pytest.mark.django_db(transaction=True)
def test_totals_add_up_across_gunicorn_workers_and_their_restarts(tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    write_stale_count(metrics_dir / "counter_1.db", route="readyz", count=1000)
    requests = 60
    env = {
        "DATABASE_URL": servers.database_url(),
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "1",
        # Each worker is replaced after 15 requests, as max_requests does every ~1000.
        "GUNICORN_MAX_REQUESTS": "15",
        "GUNICORN_MAX_REQUESTS_JITTER": "0",
        "GUNICORN_PRELOAD": "true",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }

    def counter_files():
        return {os.path.basename(name) for name in glob.glob(f"{metrics_dir}/counter_*.db")}

    with servers.gunicorn(servers.runtime_dir(), env) as web:
        # The stale file of the previous run is gone before the first request.
        assert "counter_1.db" not in counter_files()
        # Four clients at once keep both single-threaded workers busy.
        with ThreadPoolExecutor(max_workers=4) as clients:
            readyz = f"{web.base_url}/readyz"
            statuses = list(clients.map(lambda _: httpx.get(readyz).status_code, range(requests)))
        assert statuses == [200] * requests

        response = httpx.get(f"{web.base_url}/metrics")
        body = response.content

        assert response.status_code == 200
        assert scraped(body, "django_http_requests_total", route="readyz") == requests
        assert scraped(body, "django_http_request_db_queries_count", route="readyz") == requests
        # /readyz runs SELECT 1 on each database.
        queries = requests * len(settings.DATABASES)
        assert scraped(body, "django_http_request_db_queries_sum", route="readyz") == queries
        # Workers that exited were folded into one archive: two live files and the archive.
        assert "counter_archive.db" in counter_files()
        assert servers.wait_for(lambda: len(counter_files()) <= 3)

    # A clean stop leaves nothing behind.
    assert not metrics_dir.exists()
