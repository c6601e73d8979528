"""The catalog's rows for the schema fuzzing test (tests/test_schema_fuzz.py)."""

from dataclasses import dataclass, field
from decimal import Decimal

from {{ cookiecutter.project_slug }}.catalog.models import Category, Product

from tests.schema_rows import Rows

# Far above any id the sequence hands out in a test run, so that the products the fuzzing
# inserts through the API never collide with these.
PRODUCT_IDS = [9_000_000_001, 9_000_000_002]
CATEGORIES = ["books", "games"]
SKUS = ["FUZZ-1", "FUZZ-2"]


@dataclass
class Catalog(Rows):
    values: dict[str, list] = field(
        default_factory=lambda: {
            "id": PRODUCT_IDS,
            "OrderItemRequest.product": PRODUCT_IDS,
            "ProductRow.category": CATEGORIES,
            "ProductChange.sku": SKUS,
        }
    )
    unique: dict[str, str] = field(default_factory=lambda: {"items": "product", "products": "sku"})

    def create(self) -> None:
        books, _ = Category.objects.bulk_create(
            Category(slug=slug, name=slug.title()) for slug in CATEGORIES
        )
        # Stock that no generated order (at most 100 items of 10,000) runs out of.
        Product.objects.bulk_create(
            Product(id=id_, sku=sku, name=sku, category=books, price=Decimal("1.00"), stock=10**9)
            for id_, sku in zip(PRODUCT_IDS, SKUS, strict=True)
        )
