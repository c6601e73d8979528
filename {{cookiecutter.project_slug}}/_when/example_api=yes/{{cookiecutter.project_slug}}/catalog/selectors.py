"""Reads. Each selector fetches, in a fixed number of queries, exactly what its endpoint renders.

A serializer that touches a relation no selector loaded runs one query per row; django-zeal
turns that into an error in development and in the tests.
"""

from django.db.models import Avg, Count, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Round

from .models import Category, Order, OrderItem, Product, Tag

# Columns the list renders; description can be long and is left to the detail endpoint.
PRODUCT_LIST_FIELDS = (
    "id",
    "sku",
    "name",
    "price",
    "stock",
    "category__id",
    "category__slug",
    "category__name",
)


def _tags() -> Prefetch:
    # One query for the tags of every product on the page (WHERE product_id IN (...)), kept
    # as a plain list: a related manager and a queryset per product would cost more to build
    # (about 2 ms for a page of 20) than the query itself.
    return Prefetch(
        "tags", queryset=Tag.objects.only("id", "slug").order_by("slug"), to_attr="tag_list"
    )


def product_list(*, category: str | None = None, tag: str | None = None) -> QuerySet[Product]:
    """Products with their category (joined) and tags (one more query per page).

    Pagination orders by -id: each page starts from an index position, never an OFFSET, and
    the filters can use the (category, -id) and (tag, -product) indexes. With 100,000 products
    any page, filtered or not, runs in about 2 ms or less.
    """
    products = (
        Product.objects.select_related("category")
        .prefetch_related(_tags())
        .only(*PRODUCT_LIST_FIELDS)
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


def product_detail() -> QuerySet[Product]:
    return Product.objects.select_related("category").prefetch_related(_tags())


def category_stats() -> list[dict]:
    """Per category: product count, average price, total stock. One GROUP BY query.

    The LEFT JOIN keeps categories without products, with a count of 0.
    """
    return list(
        Category.objects.values("id", "slug", "name")
        .annotate(
            product_count=Count("products"),
            average_price=Round(Avg("products__price"), 2),
            total_stock=Coalesce(Sum("products__stock"), 0),
        )
        .order_by("slug")
    )


def order_list(*, user_id: int) -> QuerySet[Order]:
    """The orders of one user, with their items and each item's product SKU: two queries.

    Filtering on user_id rather than user works with JWT's TokenUser, which is not a row.
    """
    items = OrderItem.objects.select_related("product").only(
        "id", "order_id", "quantity", "unit_price", "product__id", "product__sku"
    )
    return (
        Order.objects.filter(user_id=user_id)
        .only("id", "status", "created")
        .prefetch_related(Prefetch("items", queryset=items.order_by("id"), to_attr="item_list"))
    )
