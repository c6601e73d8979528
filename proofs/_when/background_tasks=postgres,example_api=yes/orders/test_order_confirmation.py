"""Placing an order queues its confirmation in the order's transaction; a real worker sends it."""

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from {{ cookiecutter.project_slug }}.catalog.models import OrderEvent

from tests.proofs import servers
from tests.proofs.jobs.conftest import wait_until_done

URL = "/api/v1/orders/"


@pytest.mark.usefixtures("worker")
def test_a_placed_order_is_confirmed_by_a_worker(customer, make_products):
    plenty, scarce = make_products(2)

    placed = customer.post(URL, {"items": [{"product": plenty.pk, "quantity": 1}]})
    rejected = customer.post(URL, {"items": [{"product": scarce.pk, "quantity": 11}]})

    assert (placed.status_code, rejected.status_code) == (201, 409)
    assert servers.wait_for(lambda: OrderEvent.objects.exists(), timeout=10)
    assert wait_until_done(timeout=10)
    assert list(OrderEvent.objects.values_list("order_id", "kind")) == [
        (placed.json()["id"], "confirmed")
    ]
    # The rejected order's transaction rolled back with its job: none was left to fail.
    assert not ProcrastinateJob.objects.exclude(task_name__endswith="retry_stalled_jobs").exists()
