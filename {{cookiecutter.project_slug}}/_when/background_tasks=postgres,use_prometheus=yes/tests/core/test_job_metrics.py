"""/metrics shows the job queue's depth, read from the jobs table when scraped."""

import pytest
from django.test import Client
from procrastinate.contrib.django import app

pytestmark = pytest.mark.django_db

# The series of the jobs waiting in this test's queue.
TODO = 'background_jobs_queued{queue="metrics",status="todo"}'


@app.task(queue="metrics")
def count_me(label: str) -> None:
    """Deferred by this test, never run."""


def test_metrics_count_the_jobs_waiting_in_each_queue():
    before = Client().get("/metrics").content.decode()
    for label in ("a", "b"):
        count_me.defer(label=label)

    after = Client().get("/metrics").content.decode()

    assert TODO not in before
    assert f"{TODO} 2.0" in after
