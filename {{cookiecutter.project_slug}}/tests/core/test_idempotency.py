"""A write sent with an Idempotency-Key happens once, however often it is sent: its retries get
the first answer back, and the key cannot be reused for another request."""

from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import path
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.core.api import idempotency
from {{ cookiecutter.project_slug }}.core.models import IdempotencyKey


class GroupsView(APIView):
    """Creates the group its body names: a write, as an order is one."""

    permission_classes = [AllowAny]

    @idempotency.idempotent
    def post(self, request):
        if not request.data.get("name"):
            raise ValidationError({"name": ["This field is required."]})
        group = Group.objects.create(name=request.data["name"])
        return Response({"id": group.pk, "name": group.name}, status=201)


urlpatterns = [path("groups/", GroupsView.as_view())]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def create(client: APIClient, name: str, key: str | None = "order-7"):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post("/groups/", {"name": name}, headers=headers)


def test_a_retry_gets_the_first_answer_and_writes_nothing(api_client, user):
    api_client.force_authenticate(user)
    first = create(api_client, "first")

    retry = create(api_client, "first")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Group.objects.count() == 1


def test_without_a_key_every_request_writes(api_client):
    create(api_client, "one", key=None)
    create(api_client, "two", key=None)

    assert Group.objects.count() == 2


def test_the_key_written_as_a_structured_field_string_is_the_same_key(api_client):
    create(api_client, "first", key="abc")
    retry = create(api_client, "first", key='"abc"')

    assert retry["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_request_is_a_422_that_writes_nothing(api_client):
    create(api_client, "first")

    reused = create(api_client, "second")

    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert list(Group.objects.values_list("name", flat=True)) == ["first"]


def test_a_key_belongs_to_its_caller(api_client, user, other_user):
    api_client.force_authenticate(user)
    create(api_client, "alice's")
    api_client.force_authenticate(other_user)

    bobs = create(api_client, "bob's")

    assert bobs.status_code == 201
    assert "Idempotent-Replayed" not in bobs


def test_a_failed_request_stores_nothing_and_runs_again(api_client):
    assert create(api_client, "").status_code == 400

    assert create(api_client, "").status_code == 400
    assert not IdempotencyKey.objects.exists()


def test_a_retry_while_the_first_request_runs_is_a_409(api_client):
    caller = "address:127.0.0.1"
    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        password=database["PASSWORD"],
        dbname=database["NAME"],
    ) as first_request:
        # The first request's transaction holds the key.
        first_request.execute(
            "SELECT pg_advisory_xact_lock(%s)", [idempotency.lock_id(caller, "order-7")]
        )

        retry = create(api_client, "first")

    assert retry.status_code == 409
    assert retry.json()["error"]["code"] == "idempotency_key_in_use"
    assert not Group.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "é"])
def test_a_malformed_key_is_a_400_naming_the_header(api_client, key):
    response = create(api_client, "first", key=key)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]


def test_keys_expire_after_24_hours_and_are_purged(api_client):
    create(api_client, "first")
    IdempotencyKey.objects.update(created=timezone.now() - timedelta(hours=24, seconds=1))

    # A new request under an old key: the key has expired, so nothing refuses it.
    later = create(api_client, "second")

    assert later.status_code == 201
    IdempotencyKey.objects.update(created=timezone.now() - timedelta(hours=25))
    assert idempotency.purge_expired() == 1
