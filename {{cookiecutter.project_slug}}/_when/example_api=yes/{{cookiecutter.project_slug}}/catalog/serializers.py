"""Request validation and response shapes.

Output serializers read only what the selectors loaded. Input serializers never query per row:
a batch's categories are checked with one query for the whole batch.

When to write a read without a serializer: the two lists below are the API's hottest reads,
so their rows come from values() and a function per row shapes them (product_json,
order_json), a fraction of a ModelSerializer's cost. Do that for a list that is read far
more often than it changes shape, once a profile shows the serializer's share. Everywhere
else a serializer is fine, and clearer: it is one declaration, it validates input, and its
schema is exact. Each hand-written shape keeps its serializer beside it, which describes it in
the OpenAPI schema, and the tests pin the two together.
"""

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from .models import Category, Order, OrderItem, Product

# A 5,000-row import validates in about a second and fits one request body of ~3.4 MB (the
# limit is 4 MB: DATA_UPLOAD_MAX_MEMORY_SIZE, and nginx's on products/bulk/); bigger files are
# split by the client, each part its own transaction.
MAX_BULK_ROWS = 5000
MAX_ORDER_ITEMS = 100
# The columns' ranges (PostgreSQL integer and bigint): a larger number is a 400 for its field,
# not a DataError from the database, and the schema states it as the field's maximum.
MAX_STOCK = 2**31 - 1
MAX_ID = 2**63 - 1


class Text(serializers.CharField):
    """A JSON string. DRF's CharField also turns numbers into text, which the schema
    (type: string) calls invalid."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Slug(Text, serializers.SlugField):
    pass


class WholeNumber(serializers.IntegerField):
    """An integer as JSON writes it. DRF's IntegerField also takes "5" and 5.0, which the
    schema (type: integer) calls invalid: a client sending them has a bug to hear about."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class Amount(serializers.DecimalField):
    """A price as the API writes it: a string of up to 8 digits and up to 2 decimals, never
    negative. DRF's DecimalField also takes numbers, exponents and signs, which the schema's
    pattern (catalog/schema.py) calls invalid."""

    PATTERN = r"^[0-9]{1,8}(\.[0-9]{1,2})?$"

    def __init__(self, **kwargs):
        super().__init__(max_digits=10, decimal_places=2, min_value=0, **kwargs)

    def to_internal_value(self, data):
        if not (isinstance(data, str) and re.fullmatch(self.PATTERN, data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class ProductFilters(serializers.Serializer):
    """The products list's query parameters: each a slug, as the schema states."""

    category = Slug(max_length=64, required=False, help_text="Only this category.")
    tag = Slug(max_length=64, required=False, help_text="Only products with this tag.")


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name"]


class TagSlugs(serializers.ListField):
    """The slugs of the tags the selectors prefetched into a list (Prefetch(to_attr=...))."""

    child = serializers.SlugField()

    def to_representation(self, tags):
        return [tag.slug for tag in tags]


class ProductSerializer(serializers.ModelSerializer):
    category = CategorySerializer(read_only=True)
    tags = TagSlugs(source="tag_list", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "price", "stock", "category", "tags"]


def product_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """ProductSerializer's shape, from a selectors.product_rows() row."""
    price: Decimal = row["price"]
    return {
        "id": row["id"],
        "sku": row["sku"],
        "name": row["name"],
        # The column's two decimal places, as DecimalField renders them: "9.90", not 9.9.
        "price": str(price),
        "stock": row["stock"],
        "category": {
            "id": row["category_id"],
            "slug": row["category__slug"],
            "name": row["category__name"],
        },
        "tags": row["tag_slugs"],
    }


class ProductDetailSerializer(ProductSerializer):
    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, "description"]


class CategoryStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    product_count = serializers.IntegerField()
    average_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    total_stock = serializers.IntegerField()


class BulkRows(serializers.ListField):
    """A list of rows, each validated by the child serializer, and then across rows.

    Errors are keyed by the row's index and list only the bad rows, so a client can fix every
    row of a 5,000-row file from one response.
    """

    def __init__(self, **kwargs):
        super().__init__(allow_empty=False, max_length=MAX_BULK_ROWS, **kwargs)

    def run_child_validation(self, data: list) -> list[dict]:
        # Before validating rows one by one: a 100,000-row body is refused at once.
        if len(data) > MAX_BULK_ROWS:
            self.fail("max_length", max_length=MAX_BULK_ROWS)
        rows: dict[int, dict] = {}
        errors: dict[int, Any] = {}
        for index, item in enumerate(data):
            try:
                rows[index] = self.child.run_validation(item)
            except serializers.ValidationError as error:
                errors[index] = error.detail
        first_row_of_sku: dict[str, int] = {}
        for index, row in rows.items():
            first = first_row_of_sku.setdefault(row["sku"], index)
            if first != index:
                errors[index] = {"sku": [f"Duplicates the SKU of row {first}."]}
        self.validate_rows(rows, errors)
        if errors:
            raise serializers.ValidationError({str(i): e for i, e in sorted(errors.items())})
        return list(rows.values())

    def validate_rows(self, rows: dict[int, dict], errors: dict) -> None:
        """Checks that need the database: one query per batch, never one per row."""


class ProductRowSerializer(serializers.Serializer):
    sku = Text(max_length=64)
    name = Text(max_length=200)
    description = Text(allow_blank=True, default="")
    price = Amount()
    stock = WholeNumber(min_value=0, max_value=MAX_STOCK)
    category = Slug(max_length=64, help_text="The slug of an existing category.")
    tags = serializers.ListField(
        child=Slug(max_length=64),
        max_length=20,
        default=list,
        help_text="Tag slugs; new ones are created.",
    )


class ProductRows(BulkRows):
    child = ProductRowSerializer()

    def validate_rows(self, rows, errors):
        slugs = {row["category"] for row in rows.values()}
        category_ids = dict(Category.objects.filter(slug__in=slugs).values_list("slug", "id"))
        for index, row in rows.items():
            if row["category"] not in category_ids:
                errors.setdefault(index, {})["category"] = [
                    f"Unknown category {row['category']!r}."
                ]
            else:
                row["category_id"] = category_ids[row.pop("category")]
            # The same tag twice would be one row of the many-to-many table inserted twice.
            row["tags"] = list(dict.fromkeys(row["tags"]))


class ProductImportSerializer(serializers.Serializer):
    products = ProductRows(
        help_text=f"1 to {MAX_BULK_ROWS} rows, upserted by SKU; each SKU at most once."
    )


class ProductChangeSerializer(serializers.Serializer):
    sku = Text(max_length=64)
    price = Amount(required=False)
    stock = WholeNumber(min_value=0, max_value=MAX_STOCK, required=False)

    def validate(self, attrs):
        # The schema says so too, as anyOf (schema.py).
        if "price" not in attrs and "stock" not in attrs:
            raise serializers.ValidationError("Give price, stock or both.")
        return attrs


class ProductChangeRows(BulkRows):
    child = ProductChangeSerializer()


class ProductUpdateSerializer(serializers.Serializer):
    products = ProductChangeRows(
        help_text=f"1 to {MAX_BULK_ROWS} changes, matched by SKU; each SKU at most once."
    )


class BulkResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Rows written.")


class OrderItemSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = OrderItem
        fields = ["product", "sku", "quantity", "unit_price"]


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(source="item_list", many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "status", "created", "items"]


def order_json(row: Mapping[str, Any], items: list[Mapping[str, Any]]) -> dict[str, Any]:
    """OrderSerializer's shape, from selectors.order_rows() and order_items() rows."""
    return {
        "id": row["id"],
        "status": row["status"],
        # Rendered by OrjsonRenderer as DRF renders it: ISO 8601, "Z" for UTC.
        "created": row["created"],
        "items": [
            {
                "product": item["product_id"],
                "sku": item["product__sku"],
                "quantity": item["quantity"],
                "unit_price": str(item["unit_price"]),
            }
            for item in items
        ],
    }


class OrderItemRequestSerializer(serializers.Serializer):
    product = WholeNumber(min_value=1, max_value=MAX_ID, help_text="A product id.")
    quantity = WholeNumber(min_value=1, max_value=10_000)


class OrderRequestSerializer(serializers.Serializer):
    # max_length reaches the ListSerializer that many=True makes, which the stubs do not know.
    items = OrderItemRequestSerializer(  # type: ignore[call-arg]
        many=True,
        allow_empty=False,
        max_length=MAX_ORDER_ITEMS,
        help_text="Each product at most once.",
    )

    def validate_items(self, items):
        products = [item["product"] for item in items]
        if len(set(products)) != len(products):
            raise serializers.ValidationError("Each product may appear once; sum the quantities.")
        return items
