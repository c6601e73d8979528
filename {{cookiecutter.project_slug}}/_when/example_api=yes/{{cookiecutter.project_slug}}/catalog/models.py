"""The catalog (categories, tags, products) and the orders placed against it.

Every index below names the query it serves; a foreign key whose single-column index no query
needs, because a composite index starts with the same column, has db_index=False.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Category(models.Model):
    # Unique index: the ?category=<slug> filter and the stats' ordering.
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    # Unique index: the ?tag=<slug> filter, and the conflict target when an import adds tags.
    slug = models.SlugField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.slug


class Product(models.Model):
    # Unique index: the conflict target of the bulk upsert, and PATCH's lookup by SKU.
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    # Shown by the detail endpoint only: the list defers it with only().
    description = models.TextField(blank=True)
    # Indexed together with the primary key below.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", db_index=False
    )
    tags: "models.ManyToManyField[Tag, ProductTag]" = models.ManyToManyField(
        Tag, through="ProductTag", related_name="products"
    )
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock = models.IntegerField()

    class Meta:
        indexes = [
            # GET products/?category=<slug>: rows of one category, newest first, read in the
            # index's order so that a page stops after page_size + 1 rows. Also serves the
            # PROTECT check when a category is deleted, hence no index on category alone.
            models.Index(fields=["category", "-id"], name="product_category_id_desc"),
        ]
        constraints = [
            # The last line of defence against overselling: the order service never lets
            # stock go negative, and the database refuses it if a bug ever tried.
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.sku


class ProductTag(models.Model):
    """The many-to-many table, declared so that its indexes say which queries they serve."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, db_index=False)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, db_index=False)

    class Meta:
        constraints = [
            # Also the index for prefetching the tags of a page of products
            # (WHERE product_id IN (...)) and for replacing them on import.
            models.UniqueConstraint(fields=["product", "tag"], name="product_tag_unique"),
        ]
        indexes = [
            # GET products/?tag=<slug>: the products of one tag, newest first.
            models.Index(fields=["tag", "-product"], name="product_tag_tag_product_desc"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} tagged {self.tag_id}"


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    # Indexed together with the primary key below.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orders", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLACED)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # GET orders/: the caller's orders, newest first, one index range per page. Also
            # serves the cascade when a user is deleted, hence no index on user alone. Built
            # concurrently, as an index on a table in use must be (migration 0003).
            models.Index(fields=["user", "-id"], name="order_user_id_desc"),
        ]

    def __str__(self) -> str:
        return f"order {self.pk}"


class OrderItem(models.Model):
    # Index (Django's default for a foreign key): prefetching the items of a page of orders.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    # Index (the default): the PROTECT check when a product is deleted.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items")
    quantity = models.IntegerField()
    # The price when the order was placed: later price changes do not rewrite past orders.
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_item_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x product {self.product_id}"


class OrderEvent(models.Model):
    """What happened to an order after it was placed, once each: written by jobs, which may
    run twice, so a second write of the same event must be a no-op."""

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmation sent"

    # Indexed by the unique constraint below, which starts with it.
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # The conflict target that makes recording an event idempotent.
            models.UniqueConstraint(fields=["order", "kind"], name="order_event_once"),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} {self.kind}"

    @classmethod
    def record(cls, order_id: int, kind: str) -> None:
        """One INSERT ... ON CONFLICT DO NOTHING: recording an event twice records it once."""
        OrderEvent.objects.bulk_create(
            [OrderEvent(order_id=order_id, kind=kind)], ignore_conflicts=True
        )
