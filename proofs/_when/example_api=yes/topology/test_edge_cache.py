"""nginx serves the catalog's public answers from its own cache, without reaching an instance,
never serves or stores one to a request with credentials, revalidates expired copies with a
304, and lets a write reach anonymous readers within the stated bound."""

import time
from decimal import Decimal

import httpx
import pytest

from {{ cookiecutter.project_slug }}.catalog.models import Category, Product

from tests.proofs.login import log_in
from tests.proofs.servers import wait_for

from .conftest import PUBLIC_CACHE_SECONDS
from .traffic import served_by

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def product() -> Product:
    category = Category.objects.create(slug="books", name="Books")
    return Product.objects.create(
        sku="SKU-1", name="Book", category=category, price=Decimal(10), stock=5
    )


def test_a_public_answer_is_served_from_nginx_without_an_instance(topology, product, http):
    url = f"{topology.url}/api/v1/products/"
    first = http.get(url)

    again = http.get(url)

    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("MISS", "HIT")
    assert served_by(again) == ""
    assert again.content == first.content


def test_a_request_with_credentials_always_reaches_the_app(topology, product, http):
    url = f"{topology.url}/api/v1/products/"
    http.get(url)

    with_cookie = http.get(url, headers={"Cookie": "sessionid=x"})
    with_authorization = http.get(url, headers={"Authorization": "Bearer nope"})

    assert with_cookie.headers["X-Cache"] == "BYPASS"
    assert with_authorization.headers["X-Cache"] == "BYPASS"
    # Whatever the project's authentication makes of them, an instance answered both.
    assert served_by(with_cookie) != ""
    assert served_by(with_authorization) != ""


def test_an_expired_copy_is_revalidated_with_a_304_from_the_app(topology, product, http):
    url = f"{topology.url}/api/v1/products/"
    http.get(url)
    time.sleep(PUBLIC_CACHE_SECONDS + 0.5)

    def revalidated():
        return http.get(url).headers["X-Cache"] in ("REVALIDATED", "UPDATING", "STALE")

    assert wait_for(revalidated, timeout=5)
    line = topology.nginx.access_log.read_text().splitlines()[-1]
    assert '"upstream_status":"304"' in line or '"status":200' in line


@pytest.fixture
def editor(topology, django_user_model, password):
    """A client logged in as a staff user: the catalog's bulk writes are staff only."""
    staff = django_user_model.objects.create_user(username="sam", password=password, is_staff=True)
    with httpx.Client(timeout=10) as client:
        log_in(client, topology.web[0].base_url, staff.username, password)
        yield client


def test_a_write_reaches_anonymous_readers_within_the_stated_bound(
    topology, product, http, editor
):
    url = f"{topology.url}/api/v1/products/"
    assert http.get(url).json()["results"][0]["stock"] == 5
    change = {"products": [{"sku": product.sku, "stock": 3}]}
    assert editor.patch(f"{topology.url}/api/v1/products/bulk/", json=change).is_success
    written = time.monotonic()

    assert wait_for(lambda: http.get(url).json()["results"][0]["stock"] == 3, timeout=10)
    # PUBLIC_CACHE_SECONDS, then one refresh (the first reader after expiry gets the stale
    # copy while nginx fetches the new one), and a second for a busy machine.
    assert time.monotonic() - written < PUBLIC_CACHE_SECONDS + 1


def test_anonymous_clients_are_rate_limited_at_nginx_even_when_served_from_its_cache(
    topology, product, http
):
    url = f"{topology.url}/api/v1/products/"
    statuses = [http.get(url).status_code for _ in range(130)]

    assert statuses.count(429) > 0
    refused = http.get(url)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"


def test_a_client_with_credentials_is_left_to_the_apps_rate_limits(topology, product, http):
    # A session cookie is a credential as an Authorization header is: the app counts such
    # clients per user, and nginx's anonymous limit would refuse a busy logged-in browser.
    url = f"{topology.url}/api/v1/products/"
    statuses = [http.get(url, headers={"Cookie": "sessionid=x"}).status_code for _ in range(130)]

    assert set(statuses) == {200}
