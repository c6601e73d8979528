"""The OpenAPI schema tells the truth: schemathesis sends every operation requests built from
the schema, valid and invalid, anonymous and authenticated, and runs all of its checks on each
answer: no server error, no status or body the schema does not describe, no valid request
refused, no invalid one accepted.

Requests name rows that exist (tests/schema_rows.py), so that valid writes reach the database.
"""

import uuid

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpRequest
from django.middleware.csrf import get_token
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from tests import authentication, schema_rows
{%- if cookiecutter.example_api %}
from tests.catalog.schema_rows import Catalog
{%- endif %}

ROWS: list[schema_rows.Rows] = [schema_rows.Accounts(){% if cookiecutter.example_api %}, Catalog(){% endif %}]

# Per operation and identity, besides schemathesis' boundary cases: the default project's 9
# operations, anonymous and logged in, take about 30 s on two busy cores. derandomize: every
# run sends the same requests, so a failure is reproduced by running the test again.
MAX_EXAMPLES = 5

# The schema as /api/schema/ serves it (test_openapi.py checks that one), generated once.
schema = schemathesis.openapi.from_dict(
    schema_rows.narrow(SchemaGenerator().get_schema(request=None, public=True), ROWS)
)
schema.app = WSGIHandler()


fuzz = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def rows(db):
    """The rows the narrowed schema names, and the app called in this test's transaction.

    Django's handler closes the connection at each request's start and end when it is not in
    autocommit mode, which a test's transaction never is; Django's test client disconnects
    the same receivers.
    """
    for row in ROWS:
        row.create()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials() -> dict:
    """The headers that every authenticated request carries, as a real client sends them."""
    from django.contrib.auth import get_user_model

    client = APIClient()
    user = get_user_model().objects.get(username=schema_rows.USERNAME)
    authentication.authenticate(client, user)
    headers = authentication.headers(user)
    # With session authentication, writes need a CSRF token and its cookie; other modes ignore
    # both.
    csrf_request = HttpRequest()
    headers["X-Csrftoken"] = get_token(csrf_request)
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    cookies["csrftoken"] = csrf_request.META["CSRF_COOKIE"]
    headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return headers


def call_and_validate(case, headers: dict) -> None:
    # A batch that names one key twice is refused, as the schema's description says; every
    # other check still holds for it.
    repeats = schema_rows.repeats_a_key(case.body, ROWS)
    excluded = [schemathesis.checks.positive_data_acceptance] if repeats else []
    if "Idempotency-Key" in (case.headers or {}):
        # A key stands for one request: generated ones repeat across different bodies, which
        # the API rightly refuses (tests/core/test_idempotency.py).
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    case.call_and_validate(headers=headers, excluded_checks=excluded)


@schema.parametrize()
@fuzz
def test_anonymous_requests_get_the_answers_the_schema_describes(case):
    call_and_validate(case, headers={})


@schema.parametrize()
@fuzz
def test_authenticated_requests_get_the_answers_the_schema_describes(case, credentials):
    call_and_validate(case, headers=credentials)
