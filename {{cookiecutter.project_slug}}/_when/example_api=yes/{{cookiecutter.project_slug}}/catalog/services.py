"""Writes. Bulk statements in batches, one transaction per request, cache invalidated on commit.

Rows arrive validated (serializers.py): services only check what needs the rows locked.
"""

from collections.abc import Iterable, Sequence

from django.db import transaction

from . import cache, confirmation
from .models import Order, OrderItem, Product, ProductTag, Tag

# Rows per INSERT/UPDATE statement. 1,000 rows of 7 columns are 7,000 bind parameters, well
# under PostgreSQL's 65,535, and a statement of a few hundred kB: larger batches save little
# (the round trip is already amortised over 1,000 rows) and hold more memory.
BATCH_SIZE = 1000

PRODUCT_FIELDS = ("name", "description", "category_id", "price", "stock")


class InsufficientStock(Exception):
    def __init__(self, product_id: int, available: int, requested: int):
        super().__init__(
            f"Insufficient stock for product {product_id}: "
            f"{requested} requested, {available} available."
        )
        self.product_id = product_id


class UnknownProducts(Exception):
    """Order items or updates name products that do not exist."""

    def __init__(self, keys: Iterable):
        self.keys = sorted(keys)
        super().__init__(f"Unknown products: {', '.join(map(str, self.keys))}.")


def upsert_products(rows: Sequence[dict]) -> int:
    """Insert or update products by SKU, and replace their tags. Returns the number of rows.

    Each row has sku, name, description, category_id, price, stock and tags (slugs); SKUs are
    unique within rows. The number of queries grows with the number of batches, not rows.
    """
    # New SKUs are inserted in SKU order, so two imports adding the same SKUs wait for each
    # other instead of deadlocking.
    rows = sorted(rows, key=lambda row: row["sku"])
    with transaction.atomic():
        # Rows that exist are locked first, in id order: the order in which order placement
        # and PATCH lock them too, so an import and an order queue up rather than deadlock.
        list(
            Product.objects.select_for_update()
            .filter(sku__in=[row["sku"] for row in rows])
            .order_by("id")
            .values_list("id", flat=True)
        )
        products = Product.objects.bulk_create(
            [Product(sku=row["sku"], **{f: row[f] for f in PRODUCT_FIELDS}) for row in rows],
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["sku"],
            update_fields=[field.removesuffix("_id") for field in PRODUCT_FIELDS],
        )
        # PostgreSQL returns the id of each inserted or updated row.
        _replace_tags(
            {product.pk: row["tags"] for product, row in zip(products, rows, strict=True)}
        )
        cache.invalidate()
    return len(rows)


def _replace_tags(tags_by_product: dict[int, list[str]]) -> None:
    slugs = {slug for tags in tags_by_product.values() for slug in tags}
    tag_ids = {}
    if slugs:
        # Tags are free-form labels: an import may introduce new ones.
        Tag.objects.bulk_create(
            [Tag(slug=slug) for slug in sorted(slugs)],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        tag_ids = dict(Tag.objects.filter(slug__in=slugs).values_list("slug", "id"))
    ProductTag.objects.filter(product_id__in=tags_by_product).delete()
    ProductTag.objects.bulk_create(
        [
            ProductTag(product_id=product_id, tag_id=tag_ids[slug])
            for product_id, tags in tags_by_product.items()
            for slug in tags
        ],
        batch_size=BATCH_SIZE,
    )


def update_products(changes: Sequence[dict]) -> int:
    """Set price and/or stock of existing products by SKU, all or nothing.

    Raises UnknownProducts (and writes nothing) if any SKU does not exist.
    """
    by_sku = {change["sku"]: change for change in changes}
    with transaction.atomic():
        # Locked in id order, the order that order placement locks in too: an import and an
        # order wait for each other, never deadlock, and no decrement of stock made between
        # this read and the UPDATE below is overwritten.
        products = list(
            Product.objects.select_for_update()
            .filter(sku__in=by_sku)
            .order_by("id")
            .only("id", "sku", "price", "stock")
        )
        unknown = by_sku.keys() - {product.sku for product in products}
        if unknown:
            raise UnknownProducts(unknown)
        fields = set()
        for product in products:
            for field in ("price", "stock"):
                if field in by_sku[product.sku]:
                    setattr(product, field, by_sku[product.sku][field])
                    fields.add(field)
        Product.objects.bulk_update(products, sorted(fields), batch_size=BATCH_SIZE)
        cache.invalidate()
    return len(products)


def place_order(*, user_id: int, items: Iterable[dict]) -> Order:
    """Create an order and take its items out of stock, or raise and write nothing.

    Concurrent orders cannot oversell: the products' rows are locked (SELECT ... FOR UPDATE,
    always in id order, so two orders sharing products cannot deadlock), stock is checked and
    decremented while the locks are held, and they are released by the commit. The order's
    confirmation is requested in the same transaction. The number of queries does not depend
    on the number of items.
    """
    quantities = {item["product"]: item["quantity"] for item in items}
    with transaction.atomic():
        products = list(
            Product.objects.select_for_update()
            .filter(pk__in=quantities)
            .order_by("id")
            .only("id", "sku", "price", "stock")
        )
        unknown = quantities.keys() - {product.pk for product in products}
        if unknown:
            raise UnknownProducts(unknown)
        for product in products:
            if product.stock < quantities[product.pk]:
                raise InsufficientStock(product.pk, product.stock, quantities[product.pk])
            product.stock -= quantities[product.pk]
        Product.objects.bulk_update(products, ["stock"])

        order = Order.objects.create(user_id=user_id)
        # What OrderSerializer renders the items from, as a Prefetch's to_attr would set it.
        order.item_list = OrderItem.objects.bulk_create(  # type: ignore[attr-defined]
            [
                OrderItem(
                    order=order,
                    product=product,
                    quantity=quantities[product.pk],
                    unit_price=product.price,
                )
                for product in products
            ]
        )
        confirmation.request_confirmation(order.pk)
        cache.invalidate()
    return order
