"""KEDA's query (deploy/k8s/overlays/keda-workers/scaledobject.yaml) counts the jobs a worker
would take now: waiting ones, not those scheduled for later or already running."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from procrastinate.contrib.django import app

pytestmark = pytest.mark.django_db

SCALED_OBJECT = settings.BASE_DIR / "deploy/k8s/overlays/keda-workers/scaledobject.yaml"


@app.task(queue="keda")
def scaled_on(label: str) -> None:
    """Deferred by this test, never run."""


def keda_query() -> str:
    # A folded block (">-"): its lines, joined by spaces.
    block = re.search(r"query: >-\n((?: {10,}\S.*\n)+)", SCALED_OBJECT.read_text())
    assert block, "scaledobject.yaml has no query"
    return " ".join(line.strip() for line in block[1].splitlines())


def jobs_ready() -> int:
    with connection.cursor() as cursor:
        cursor.execute(keda_query())
        return cursor.fetchone()[0]


def test_keda_counts_the_jobs_ready_to_run():
    before = jobs_ready()
    for label in ("a", "b", "c"):
        scaled_on.defer(label=label)
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=1)
    scaled_on.configure(schedule_at=later).defer(label="later")
    with connection.cursor() as cursor:  # taken by a worker
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE args->>'label' = 'c'")

    assert jobs_ready() - before == 2
