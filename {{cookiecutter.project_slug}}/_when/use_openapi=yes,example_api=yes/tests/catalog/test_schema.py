"""The catalog's OpenAPI description matches what the endpoints really accept and answer."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def component(ref: dict) -> str:
    """The name of the component a {"$ref": ...} points at."""
    return ref["$ref"].rsplit("/", 1)[-1]


def test_every_catalog_endpoint_is_described(schema):
    assert {
        "/api/v1/products/",
        "/api/v1/products/{id}/",
        "/api/v1/products/bulk/",
        "/api/v1/categories/stats/",
        "/api/v1/orders/",
    } <= set(schema["paths"])


def test_placing_an_order_documents_its_request_its_order_and_the_409(schema):
    post = schema["paths"]["/api/v1/orders/"]["post"]
    request = post["requestBody"]["content"]["application/json"]["schema"]
    created = post["responses"]["201"]["content"]["application/json"]["schema"]

    assert component(request) == "OrderRequest"
    assert component(created) == "Order"
    assert "409" in post["responses"]


def test_the_product_list_documents_its_filters_as_slugs_and_its_cursor(schema):
    get = schema["paths"]["/api/v1/products/"]["get"]
    parameters = {p["name"]: p["schema"] for p in get["parameters"]}

    assert {"category", "tag", "cursor", "page_size"} <= parameters.keys()
    for name in ("category", "tag"):
        assert parameters[name]["pattern"] == "^[-a-zA-Z0-9_]+$"
        assert parameters[name]["maxLength"] == 64


def test_the_bulk_endpoints_document_their_own_bodies(schema):
    bulk = schema["paths"]["/api/v1/products/bulk/"]
    post = bulk["post"]["requestBody"]["content"]["application/json"]["schema"]
    patch = bulk["patch"]["requestBody"]["content"]["application/json"]["schema"]

    assert component(post) == "ProductImport"
    assert component(patch).endswith("ProductUpdate")
    # Staff only: a customer's write is refused.
    assert "403" in bulk["post"]["responses"]
    assert "403" in bulk["patch"]["responses"]
