"""Placing an order queues its confirmation in the order's transaction; confirming an order
records it once, however often the job runs."""

from procrastinate.contrib.django.models import ProcrastinateJob

from {{ cookiecutter.project_slug }}.catalog.models import Order, OrderEvent
from {{ cookiecutter.project_slug }}.catalog.tasks import confirm_order

URL = "/api/v1/orders/"


def confirmations() -> list[int]:
    jobs = ProcrastinateJob.objects.filter(task_name=confirm_order.name)
    return [job.args["order_id"] for job in jobs]


def test_a_placed_order_queues_its_confirmation_and_a_refused_one_does_not(
    customer, make_products
):
    plenty, scarce = make_products(2)

    placed = customer.post(URL, {"items": [{"product": plenty.pk, "quantity": 1}]})
    refused = customer.post(URL, {"items": [{"product": scarce.pk, "quantity": 11}]})

    assert (placed.status_code, refused.status_code) == (201, 409)
    assert confirmations() == [placed.json()["id"]]


def test_confirming_an_order_twice_records_it_once(db, user):
    order = Order.objects.create(user=user)

    confirm_order(order.pk)
    confirm_order(order.pk)  # a job run again after its worker died

    assert OrderEvent.objects.filter(order=order).count() == 1
