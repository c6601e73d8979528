"""An order whose answer is lost (its gunicorn worker dies once the order has committed) and
that the client retries with its Idempotency-Key is placed once and confirmed once."""

import time

import httpx
import pytest

from {{ cookiecutter.project_slug }}.catalog.models import Order, OrderEvent

from tests.proofs import servers
from tests.proofs.jobs.conftest import wait_until_done
from tests.proofs.login import log_in
from tests.proofs.orders.crash import CRASH_HEADER

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("worker")]

SETTINGS = {"DJANGO_SETTINGS_MODULE": "tests.proofs.orders.settings", "WEB_CONCURRENCY": "1"}


@pytest.fixture
def web():
    env = {**SETTINGS, "DATABASE_URL": servers.database_url()}
    with servers.gunicorn(servers.runtime_dir(), env) as server:
        yield server


def test_an_order_retried_after_its_answer_was_lost_is_placed_and_confirmed_once(
    web, user, password, make_products
):
    (product,) = make_products(1)
    body = {"items": [{"product": product.pk, "quantity": 2}]}
    key = {"Idempotency-Key": "retry-me-1"}
    with httpx.Client(timeout=10) as client:
        log_in(client, web.base_url, user.username, password)
        with pytest.raises(httpx.TransportError):
            client.post(
                f"{web.base_url}/api/v1/orders/",
                json=body,
                headers={**key, CRASH_HEADER: "after-commit"},
            )
        assert Order.objects.count() == 1  # the write was made; its answer is gone

        # The client's retry loop: the same request with the same key, until it is answered.
        for _ in range(40):
            try:
                retried = client.post(f"{web.base_url}/api/v1/orders/", json=body, headers=key)
                break
            except httpx.TransportError:
                time.sleep(0.25)  # gunicorn is replacing the worker

    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert wait_until_done(timeout=10)
    assert list(OrderEvent.objects.values_list("order_id", flat=True)) == [retried.json()["id"]]
