"""Placing an order queues its confirmation in the order's transaction; a real worker sends it,
once, however often the job runs."""

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from {{ cookiecutter.project_slug }}.catalog.models import Order, OrderEvent
from {{ cookiecutter.project_slug }}.catalog.tasks import confirm_order

from tests import servers

# The real worker, and the empty queue, of tests/jobs.
from tests.jobs.conftest import _workers, job_runs, wait_until_done, worker  # noqa: F401

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
    assert not ProcrastinateJob.objects.exists()


def test_confirming_an_order_twice_records_it_once(db, user):
    order = Order.objects.create(user=user)

    confirm_order(order.pk)
    confirm_order(order.pk)  # a job run again after its worker died

    assert OrderEvent.objects.filter(order=order).count() == 1
