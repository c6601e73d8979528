"""The example API's ORM patterns, measured: bulk writes against per-row save(), and the SQL
queries each endpoint runs per request.

    make bench-orm                                  # 5,000 rows
    uv run python scripts/bench_orm.py --rows 20000

Everything runs in this process against a throwaway database (bench_<name>) on the configured
server, created here and dropped at the end, through the same connection path as the app
(PgBouncer when the project uses it). Redis is REDIS_URL's (database 1 by default, as for the
tests). Requests go through Django's test client: the full middleware and DRF stack, no HTTP.
"""

import argparse
import importlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

# django-zeal (in the test settings) inspects every query; production runs without it.
settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "zeal"]
settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("zeal.")]
django.setup()

import psycopg  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from {{ cookiecutter.project_slug }}.catalog import cache, services  # noqa: E402
from {{ cookiecutter.project_slug }}.catalog.models import (  # noqa: E402
    Category,
    Order,
    OrderItem,
    Product,
    Tag,
)

# How the test suite authenticates, as a real client of this project's auth mode does.
authentication = importlib.import_module("tests.catalog.authentication")

# How this project reuses database connections (config/settings/database.py).
POOLING = "{{ cookiecutter.db_pooling }}"

CATEGORIES = ["books", "games", "music", "garden", "kitchen", "toys", "sports", "office"]
TAGS = ["new", "sale", "gift", "bestseller", "eco", "limited"]
REPEATS = 5


def product_rows(n: int, category_ids: list[int], price: str = "9.99") -> list[dict]:
    return [
        {
            "sku": f"BENCH-{i:07d}",
            "name": f"Bench product {i}",
            "description": "",
            "category_id": category_ids[i % len(category_ids)],
            "price": Decimal(price),
            "stock": 1000,
            "tags": [TAGS[i % len(TAGS)], TAGS[(i + 1) % len(TAGS)]],
        }
        for i in range(n)
    ]


class QueryCounter:
    """Counts the SQL statements sent on the default connection, however many there are."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(work: Callable[[], object]) -> tuple[float, int]:
    """Seconds and SQL queries that work() takes."""
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
    return seconds, counter.count


def save_loop(rows: list[dict]) -> None:
    """What bulk_create replaces: one INSERT per product, then its tags one row at a time."""
    tag_ids = dict(Tag.objects.values_list("slug", "id"))
    with transaction.atomic():
        for row in rows:
            fields = {key: value for key, value in row.items() if key != "tags"}
            product = Product(**fields)
            product.save()
            product.tags.set([tag_ids[slug] for slug in row["tags"]])


def bench_writes(rows_count: int, category_ids: list[int]) -> None:
    # Both paths once on a few rows first: connections, statement plans and Python imports are
    # warm before anything is timed.
    warm_up = product_rows(200, category_ids)
    services.upsert_products(warm_up)
    Product.objects.all().delete()
    save_loop(warm_up)
    Product.objects.all().delete()

    rows = product_rows(rows_count, category_ids)
    print(f"\nWrites: {rows_count:,} products with 2 tags each, one transaction per run")
    print(f"  {'':44} {'seconds':>8} {'rows/s':>9} {'queries':>8}")

    def line(label: str, seconds: float, queries: int) -> float:
        rate = rows_count / seconds
        print(f"  {label:44} {seconds:8.2f} {rate:9,.0f} {queries:8,}")
        return rate

    bulk = line(
        "bulk_create(update_conflicts), insert", *timed(lambda: services.upsert_products(rows))
    )
    updated = product_rows(rows_count, category_ids, price="10.49")
    line(
        "bulk_create(update_conflicts), update", *timed(lambda: services.upsert_products(updated))
    )
    changes = [{"sku": row["sku"], "stock": 500} for row in rows]
    line("bulk_update(stock) (PATCH)", *timed(lambda: services.update_products(changes)))

    Product.objects.all().delete()
    loop = line("loop of save() + tags.set()", *timed(lambda: save_loop(rows)))
    print(f"  bulk insert is {bulk / loop:.1f}x the rows/s of the save() loop")


class Endpoints:
    """Counts the SQL queries of one request to each endpoint."""

    def __init__(self):
        user = get_user_model().objects.create_user(username="bench-user")
        self.anonymous = APIClient()
        self.customer = APIClient()
        authentication.authenticate(self.customer, user)
        products = list(Product.objects.order_by("id")[:3])
        self.product = products[0]
        orders = Order.objects.bulk_create(Order(user=user) for _ in range(200))
        OrderItem.objects.bulk_create(
            OrderItem(order=order, product=p, quantity=1, unit_price=p.price)
            for order in orders
            for p in products
        )
        self.order = {"items": [{"product": p.pk, "quantity": 1} for p in products]}
        self.import_body = {
            "products": [
                {
                    "sku": f"API-{i:05d}",
                    "name": f"API product {i}",
                    "price": "5.00",
                    "stock": 100,
                    "category": CATEGORIES[i % len(CATEGORIES)],
                    "tags": ["new"],
                }
                for i in range(1000)
            ]
        }
        self.patch_body = {
            "products": [{"sku": f"API-{i:05d}", "price": "6.00"} for i in range(1000)]
        }

    def measure(self, client: APIClient, method: str, url: str, body=None, *, miss: bool):
        """(queries, median ms) of REPEATS requests; miss empties the catalog cache first."""
        if not miss and method == "get":
            client.get(url)  # fills the cache, if the endpoint caches for this client
        counts, times = [], []
        for _ in range(REPEATS):
            if miss:
                cache.invalidate()
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = getattr(client, method)(url, body)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code >= 400:
                raise RuntimeError(f"{method} {url}: {response.status_code} {response.content}")
            counts.append(counter.count)
        if len(set(counts)) != 1:
            raise RuntimeError(f"{method} {url}: the query count varies: {counts}")
        return counts[0], statistics.median(times)

    def report(self) -> None:
        product = f"/api/v1/products/{self.product.pk}/"
        reads = [
            ("GET products/?page_size=10, cache miss", "/api/v1/products/?page_size=10", True),
            ("GET products/?page_size=100, cache miss", "/api/v1/products/?page_size=100", True),
            ("GET products/?page_size=10, cache hit", "/api/v1/products/?page_size=10", False),
            ("GET products/?category=books, cache miss", "/api/v1/products/?category=books", True),
            ("GET products/?tag=sale, cache miss", "/api/v1/products/?tag=sale", True),
            ("GET products/{id}/", product, False),
            ("GET categories/stats/, cache miss", "/api/v1/categories/stats/", True),
            ("GET categories/stats/, cache hit", "/api/v1/categories/stats/", False),
        ]
        auth = settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"][0].rsplit(".", 1)[-1]
        print(f"\nSQL queries per request (authenticated with {auth}), median of {REPEATS}")
        print(f"  {'':44} {'anonymous':>14} {'authenticated':>16}")
        for label, url, miss in reads:
            # Authenticated product lists are never cached: they always run the queries.
            anon = self.measure(self.anonymous, "get", url, miss=miss)
            user = self.measure(self.customer, "get", url, miss=miss)
            print(f"  {label:44} {anon[0]:>4} {anon[1]:6.1f} ms {user[0]:>6} {user[1]:6.1f} ms")
        writes = [
            ("GET orders/?page_size=10", "get", "/api/v1/orders/?page_size=10", None),
            ("GET orders/?page_size=100", "get", "/api/v1/orders/?page_size=100", None),
            ("POST orders/ (3 items)", "post", "/api/v1/orders/", self.order),
            (
                "POST products/bulk/ (1,000 rows)",
                "post",
                "/api/v1/products/bulk/",
                self.import_body,
            ),
            (
                "PATCH products/bulk/ (1,000 rows)",
                "patch",
                "/api/v1/products/bulk/",
                self.patch_body,
            ),
        ]
        for label, method, url, body in writes:
            user = self.measure(self.customer, method, url, body, miss=False)
            print(f"  {label:44} {'-':>14} {user[0]:>6} {user[1]:6.1f} ms")


def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    db = settings.DATABASES["default"]
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"Django {django.get_version()}, PostgreSQL {postgres} at {db['HOST']}:{db['PORT']} "
        f"(connections: {POOLING})"
    )


def drop_database(name: str) -> None:
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as maintenance:
        # FORCE: PgBouncer may still hold idle server connections to it.
        maintenance.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000, help="products per bulk run")
    args = parser.parse_args()

    # As for the tests: requests from the test client's "testserver" host are allowed.
    setup_test_environment()
    name = f"bench_{connection.settings_dict['NAME']}"
    connection.settings_dict["TEST"]["NAME"] = name
    drop_database(name)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(describe_machine())
        category_ids = [
            c.pk
            for c in Category.objects.bulk_create(Category(slug=s, name=s) for s in CATEGORIES)
        ]
        Tag.objects.bulk_create(Tag(slug=slug) for slug in TAGS)
        bench_writes(args.rows, category_ids)
        services.upsert_products(product_rows(args.rows, category_ids))
        Endpoints().report()
    finally:
        connections.close_all()
        drop_database(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
