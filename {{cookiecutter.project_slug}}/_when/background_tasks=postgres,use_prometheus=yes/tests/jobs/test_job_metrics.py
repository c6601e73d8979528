"""/metrics shows the job queue's depth, read from the jobs table when scraped."""

import pytest
from django.test import Client

from tests.jobs import tasks

pytestmark = pytest.mark.django_db


# The series of the jobs waiting in the default queue.
TODO = 'background_jobs_queued{queue="default",status="todo"}'


def test_metrics_count_the_jobs_waiting_in_each_queue():
    before = Client().get("/metrics").content.decode()
    for label in ("a", "b"):
        tasks.note_run.defer(label=label)

    after = Client().get("/metrics").content.decode()

    assert TODO not in before
    assert f"{TODO} 2.0" in after
