"""Fill the catalog with demo data in bulk: categories, tags, products, users and orders.

    python manage.py seed_demo --products 10000 --orders 2000 [--password PASSWORD]

Products are upserted by SKU through the same service as POST products/bulk/, so running the
command twice updates them instead of failing; each run adds --orders more orders. Seeded
orders are history: they do not take stock.
"""

import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.text import slugify

from ... import services
from ...models import Category, Order, OrderItem, Product

CATEGORIES = ["Books", "Games", "Music", "Garden", "Kitchen", "Toys", "Sports", "Office"]
TAGS = ["new", "sale", "gift", "bestseller", "eco", "limited", "bundle", "refurbished"]
USERS = 20
# Products per call of the upsert service, each call its own transaction: the same limit as
# one POST products/bulk/.
CHUNK = 5000


class Command(BaseCommand):
    help = "Seed demo categories, tags, products, users and orders in bulk; print rows per second."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--products", type=int, default=1000)
        parser.add_argument("--orders", type=int, default=200)
        parser.add_argument(
            "--password",
            help="Password of the demo users demo-1 ... demo-20 (default: they cannot log in).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (repeatable data).")

    def handle(
        self, *args, products: int, orders: int, password: str | None, seed: int, **options
    ):
        # Repeatable demo data, never secrets.
        rng = random.Random(seed)  # noqa: S311

        started = time.perf_counter()
        category_ids = self.seed_categories()
        users = self.seed_users(password)
        self.report("categories and users", len(category_ids) + len(users), started)

        started = time.perf_counter()
        for first in range(0, products, CHUNK):
            services.upsert_products(
                [
                    self.product_row(i, category_ids, rng)
                    for i in range(first, min(first + CHUNK, products))
                ]
            )
        self.report("products (with their tags)", products, started)

        started = time.perf_counter()
        items = self.seed_orders(orders, users, rng)
        self.report(f"orders ({orders}) and their items ({items})", orders + items, started)

    def seed_categories(self) -> list[int]:
        Category.objects.bulk_create(
            [Category(slug=slugify(name), name=name) for name in CATEGORIES],
            update_conflicts=True,
            unique_fields=["slug"],
            update_fields=["name"],
        )
        return list(
            Category.objects.filter(slug__in=map(slugify, CATEGORIES)).values_list("id", flat=True)
        )

    def seed_users(self, password: str | None) -> list[int]:
        # One hash for every demo user: hashing is deliberately slow (about 0.3 s each).
        hashed = make_password(password)
        user_model = get_user_model()
        usernames = [f"demo-{n}" for n in range(1, USERS + 1)]
        user_model.objects.bulk_create(
            [user_model(username=name, password=hashed) for name in usernames],
            ignore_conflicts=True,
        )
        if password is not None:
            user_model.objects.filter(username__in=usernames).update(password=hashed)
        return list(user_model.objects.filter(username__in=usernames).values_list("id", flat=True))

    @staticmethod
    def product_row(i: int, category_ids: list[int], rng: random.Random) -> dict:
        return {
            "sku": f"DEMO-{i:07d}",
            "name": f"Demo product {i}",
            "description": "",
            "category_id": category_ids[i % len(category_ids)],
            "price": Decimal(rng.randrange(100, 100_000)) / 100,
            "stock": rng.randrange(0, 500),
            "tags": rng.sample(TAGS, k=rng.randrange(0, 4)),
        }

    @staticmethod
    def seed_orders(count: int, user_ids: list[int], rng: random.Random) -> int:
        if count == 0:
            return 0
        prices = dict(Product.objects.filter(sku__startswith="DEMO-").values_list("id", "price"))
        if not prices:
            return 0
        product_ids = list(prices)
        with transaction.atomic():
            orders = Order.objects.bulk_create(
                [Order(user_id=rng.choice(user_ids)) for _ in range(count)],
                batch_size=services.BATCH_SIZE,
            )
            items = OrderItem.objects.bulk_create(
                [
                    OrderItem(
                        order=order,
                        product_id=product_id,
                        quantity=rng.randrange(1, 4),
                        unit_price=prices[product_id],
                    )
                    for order in orders
                    for product_id in rng.sample(
                        product_ids, k=min(rng.randrange(1, 4), len(product_ids))
                    )
                ],
                batch_size=services.BATCH_SIZE,
            )
        return len(items)

    def report(self, what: str, rows: int, started: float) -> None:
        seconds = time.perf_counter() - started
        rate = rows / seconds if seconds else float("inf")
        self.stdout.write(f"{what}: {rows:,} rows in {seconds:.2f} s ({rate:,.0f} rows/s)")
