"""nginx in front of two instances: requests are spread, each one carries an id, and /metrics
stays on the private network."""

import json
import re
from collections import Counter

import pytest

from tests.servers import wait_for

from .useragent import UserAgent

pytestmark = pytest.mark.django_db(transaction=True)


def nginx_log(topology) -> list[dict]:
    """nginx's access log, one JSON object per request."""
    path = topology.nginx.prefix / "access.log"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_requests_are_spread_over_both_instances(topology):
    agent = UserAgent()
    served_by = Counter(agent.get(f"{topology.url}/healthz").served_by for _ in range(10))

    instances = {f"127.0.0.1:{web.port}" for web in topology.web}
    assert set(served_by) == instances
    # Round robin: neither instance takes the lion's share.
    assert min(served_by.values()) >= 3


def test_each_instance_answers_under_its_own_name(topology):
    """The control for the test above: X-Upstream names the instance that really answered."""
    first, second = topology.web
    second.kill()  # the topology fixture starts it again for the next test

    served_by = {UserAgent().get(f"{topology.url}/healthz").served_by for _ in range(4)}

    assert served_by == {f"127.0.0.1:{first.port}"}


def test_the_app_receives_the_request_id_nginx_made_and_echoes_it(topology):
    response = UserAgent().get(f"{topology.url}/healthz")

    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    # nginx logged the id it generated (once the response is sent); the app answered with that
    # id, not one of its own.
    assert wait_for(lambda: request_id in {entry["request_id"] for entry in nginx_log(topology)})


def test_a_well_formed_request_id_from_the_client_is_kept_end_to_end(topology):
    kept = UserAgent({"X-Request-ID": "checkout-42"}).get(f"{topology.url}/healthz")
    assert kept.headers["X-Request-ID"] == "checkout-42"

    forged = UserAgent({"X-Request-ID": "a b\tc"}).get(f"{topology.url}/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])


def test_metrics_are_not_served_through_nginx(topology):
    for path in ("/metrics", "/metrics/"):
        assert UserAgent().get(f"{topology.url}{path}").status == 404
{%- if cookiecutter.use_prometheus %}
    # The control: each instance serves them, to the scraper on the private network.
    assert UserAgent().get(f"{topology.web[0].url}/metrics").status == 200
{%- endif %}
