"""nginx spreads requests over the instances, and no state lives in an instance: what one of
them creates (a login, a request id), the other honours."""

import re
from collections import Counter

import httpx
import pytest
from django.urls import NoReverseMatch, reverse

from tests.proofs.servers import wait_for

from .traffic import address, served_by

pytestmark = pytest.mark.django_db(transaction=True)


def test_requests_are_spread_over_both_instances(topology, http):
    answered = Counter(served_by(http.get(f"{topology.url}/healthz")) for _ in range(10))

    assert set(answered) == {address(web) for web in topology.web}
    assert min(answered.values()) >= 3  # round robin: neither takes the lion's share


def test_each_instance_answers_under_its_own_name(topology, http):
    """The control for the test above: X-Upstream names the instance that really answered."""
    first, second = topology.web
    second.kill()  # the topology fixture starts it again for the next test

    answered = {served_by(http.get(f"{topology.url}/healthz")) for _ in range(4)}

    assert answered == {address(first)}


def test_the_request_id_nginx_made_reaches_the_app_and_comes_back(topology, http):
    request_id = http.get(f"{topology.url}/healthz").headers["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    # nginx logged the id it generated; the app answered with that id, not one of its own.
    assert wait_for(lambda: request_id in topology.nginx.access_log.read_text())


def test_a_well_formed_request_id_from_the_client_is_kept_end_to_end(topology, http):
    kept = http.get(f"{topology.url}/healthz", headers={"X-Request-ID": "checkout-42"})
    forged = http.get(f"{topology.url}/healthz", headers={"X-Request-ID": "a b\tc"})

    assert kept.headers["X-Request-ID"] == "checkout-42"
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])


def test_metrics_are_not_served_through_nginx(topology, http):
    for path in ("/metrics", "/metrics/"):
        assert http.get(f"{topology.url}{path}").status_code == 404
    try:
        metrics = reverse("metrics")
    except NoReverseMatch:
        return
    # The control: each instance serves them, to the scraper on the private network.
    assert http.get(f"{topology.web[0].base_url}{metrics}").status_code == 200


def test_a_login_made_through_one_instance_is_valid_on_the_other(topology, logged_in, user):
    response = logged_in.get(f"{topology.web[1].base_url}/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_without_the_credentials_the_other_instance_refuses(topology, logged_in):
    """The control: the request above succeeded because of what the login created."""
    assert httpx.get(f"{topology.web[1].base_url}/api/v1/me/").status_code in {401, 403}
