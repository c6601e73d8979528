"""The OpenAPI schema (drf-spectacular): generated without a warning, valid, served with docs."""

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    schema = tmp_path / "schema.yaml"
    # --fail-on-warn turns every warning (an undescribable field, a view without a serializer,
    # a name clash) into an error.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(schema))
    assert schema.read_text().startswith("openapi: 3")


def test_the_schema_is_served_as_json_and_describes_the_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/me/" in paths
    # Health probes are for the orchestrator, not API clients.
    assert "/healthz" not in paths


def test_the_docs_page_is_served_with_swagger_ui_from_this_project(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    # Nothing loaded from another origin (a CDN serving a changed file).
    assert re.findall(r"(?:src|href)=\"(?:https?:)?//", page) == []


def test_every_string_parameter_states_the_characters_it_accepts(client):
    """A client reading the schema learns what is refused (a NUL, a filter that is not a slug)
    instead of finding out from a 400 for a request the schema calls valid. Body fields state
    theirs too: the project's AutoSchema gives every string field a pattern."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    unstated = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["schema"].get("type") == "string"
        and not {"pattern", "enum", "format"} & parameter["schema"].keys()
    ]

    assert unstated == []
