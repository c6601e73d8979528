"""Reads. Each selector fetches, in a fixed number of queries, exactly what its endpoint renders.

A serializer that touches a relation no selector loaded runs one query per row; django-zeal
turns that into an error in development and in the tests.
"""

from collections.abc import Mapping
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Avg, Count, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Round

from .models import Category, Order, OrderItem, Product, Tag

# Columns the list renders, the category's joined; description can be long and is left to the
# detail endpoint.
PRODUCT_LIST_COLUMNS = (
    "id",
    "sku",
    "name",
    "price",
    "stock",
    "category_id",
    "category__slug",
    "category__name",
)


def product_rows(
    *, category: str | None = None, tag: str | None = None
) -> QuerySet[Product, Mapping[str, Any]]:
    """Products as plain rows, with their category (joined) and tag slugs, in one query.

    The hottest read of the API, so it builds no model instances: values() rows cost a
    fraction of what instances, a prefetch and a ModelSerializer cost for the same page
    (serializers.product_json turns a row into the response's shape). Write a read this way
    where a list is hot and its rows are flat; a serializer stays the simpler choice for one
    object (product_detail), for writes, and for any endpoint that is not hot.

    Pagination orders by -id: each page starts from an index position, never an OFFSET, and
    the filters can use the (category, -id) and (tag, -product) indexes.
    """
    # The tags come as an array from a subquery per row, which reads the (product, tag) index;
    # an ArrayAgg over a join would need a GROUP BY, and would share its join with ?tag=.
    products = Product.objects.values(*PRODUCT_LIST_COLUMNS).annotate(
        tag_slugs=ArraySubquery(
            Tag.objects.filter(producttag__product=OuterRef("id")).order_by("slug").values("slug")
        )
    )
    # Each slug becomes an id in a scalar subquery: PostgreSQL runs it once, before the scan
    # (an InitPlan), and can then use its result as an index condition, which a join on the
    # slug column does not allow. An unknown slug gives NULL, so an empty page.
    if category:
        products = products.filter(category_id=_id_of(Category, category))
    if tag:
        products = products.filter(tags__id=_id_of(Tag, tag))
    return products


def _id_of(model, slug: str) -> Subquery:
    # Slugs are unique; the slice says so to Django, which refuses a multi-row subquery here.
    return Subquery(model.objects.filter(slug=slug).values("id")[:1])


def _tags() -> Prefetch:
    # One query for the tags of every product on the page (WHERE product_id IN (...)), kept
    # as a plain list: a related manager and a queryset per product would cost more to build
    # than the query itself.
    return Prefetch(
        "tags", queryset=Tag.objects.only("id", "slug").order_by("slug"), to_attr="tag_list"
    )


def product_detail() -> QuerySet[Product]:
    return Product.objects.select_related("category").prefetch_related(_tags())


def category_stats(*, database: str | None = None) -> list[Mapping[str, Any]]:
    """Per category: product count, average price, total stock. One GROUP BY query.

    The LEFT JOIN keeps categories without products, with a count of 0. database: None for
    the router's choice.
    """
    return list(
        Category.objects.using(database)
        .values("id", "slug", "name")
        .annotate(
            product_count=Count("products"),
            average_price=Round(Avg("products__price"), 2),
            total_stock=Coalesce(Sum("products__stock"), 0),
        )
        .order_by("slug")
    )


def order_rows(*, user_id: int) -> QuerySet[Order, Mapping[str, Any]]:
    """The orders of one user as plain rows; their items come from order_items().

    Filtering on user_id rather than user works with JWT's TokenUser, which is not a row.
    """
    return Order.objects.filter(user_id=user_id).values("id", "status", "created")


def order_items(order_ids: list[int]) -> dict[int, list[Mapping[str, Any]]]:
    """The items of these orders, with each item's product SKU (joined), by order: one query
    for a whole page of orders."""
    items: dict[int, list[Mapping[str, Any]]] = {order_id: [] for order_id in order_ids}
    rows = (
        OrderItem.objects.filter(order_id__in=order_ids)
        .order_by("id")
        .values("order_id", "product_id", "product__sku", "quantity", "unit_price")
    )
    for row in rows:
        items[row["order_id"]].append(row)
    return items
