"""defer() queues a job in the caller's transaction, with the id of the request that deferred
it. (The proofs in the template's repository run these jobs on real workers.)"""

import pytest
from django.db import transaction
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from {{ cookiecutter.project_slug }}.core.jobs import REQUEST_ID, defer
from {{ cookiecutter.project_slug }}.core.observability.logs import current_request_id

pytestmark = pytest.mark.django_db


@app.task(queue="tests")
def remember(label: str) -> None:
    """Deferred by these tests, never run."""


def queued() -> list[dict]:
    return list(ProcrastinateJob.objects.filter(queue_name="tests").values_list("args", flat=True))


def test_a_job_exists_only_if_its_transaction_commits():
    def fail_after_deferring():
        with transaction.atomic():
            defer(remember, label="rolled back")
            raise RuntimeError("the order failed")

    with pytest.raises(RuntimeError):
        fail_after_deferring()
    with transaction.atomic():
        defer(remember, label="committed")

    assert [job["label"] for job in queued()] == ["committed"]


def test_a_job_carries_the_id_of_the_request_that_deferred_it():
    token = current_request_id.set("request-42")
    try:
        defer(remember, label="from a request")
    finally:
        current_request_id.reset(token)
    defer(remember, label="from elsewhere")

    assert {job["label"]: job[REQUEST_ID] for job in queued()} == {
        "from a request": "request-42",
        "from elsewhere": None,
    }
