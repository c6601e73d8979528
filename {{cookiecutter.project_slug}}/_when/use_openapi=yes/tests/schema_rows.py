"""Rows that the schema fuzzing test creates, and the schema's fields narrowed to them.

A request valid by the schema but naming a row that does not exist (a product id, a category
slug, a wrong password) is refused, as it should be: the schema describes shapes, not the
database. Narrowed to rows that exist, valid requests reach the database and write.
"""

from dataclasses import dataclass, field

from tests.conftest import PASSWORD

USERNAME = "schema-fuzzer"


@dataclass
class Rows:
    # "Component.field" (a property of a request body) or "name" (a path or query parameter):
    # the values that exist.
    values: dict[str, list] = field(default_factory=dict)
    # A list in a body whose rows name each key at most once, as its description says (JSON
    # Schema cannot): {"items": "product"}. Bodies that repeat one are not generated.
    unique: dict[str, str] = field(default_factory=dict)

    def create(self) -> None:
        raise NotImplementedError


@dataclass
class Accounts(Rows):
    values: dict[str, list] = field(
        default_factory=lambda: {"*.username": [USERNAME], "*.password": [PASSWORD]}
    )

    def create(self) -> None:
        from django.contrib.auth import get_user_model

        # Staff, so that the staff-only writes (the catalog's bulk writes) are reached too.
        get_user_model().objects.create_user(username=USERNAME, password=PASSWORD, is_staff=True)


def repeats_a_key(body, rows: list[Rows]) -> bool:
    if not isinstance(body, dict):
        return False
    for row in rows:
        for name, key in row.unique.items():
            listed = body.get(name)
            if isinstance(listed, list):
                keys = [item.get(key) for item in listed if isinstance(item, dict)]
                if len(keys) != len(set(map(repr, keys))):
                    return True
    return False


def narrow(schema: dict, rows: list[Rows]) -> dict:
    """The schema, with each narrowed field's values listed as its enum."""
    values = {key: found for row in rows for key, found in row.values.items()}
    for name, component in schema["components"]["schemas"].items():
        for prop, prop_schema in component.get("properties", {}).items():
            found = values.get(f"{name}.{prop}") or values.get(f"*.{prop}")
            if found is not None and not prop_schema.get("readOnly"):
                component["properties"][prop] = {**prop_schema, "enum": found}
    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                found = values.get(parameter["name"])
                if found is not None and parameter["in"] == "path":
                    parameter["schema"] = {**parameter["schema"], "enum": found}
    return schema
