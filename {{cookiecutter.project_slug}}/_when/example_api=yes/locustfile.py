"""A realistic load on the catalog API for Locust: mostly anonymous browsing, some shoppers.

Not a dependency of the project: `make bench` runs it from uvx (README, "Load testing").

Browsers (4 in 5 users) list products, page through them, filter by category and tag, open
products and look at category stats. Shoppers log in as the seeded demo-1 ... demo-20 users,
browse the same way and place small orders. Requests are named by endpoint, so Locust's table
reads one line per URL pattern, like the route label in /metrics.
"""

# ruff: noqa: S311 (random picks a load mix, not secrets)
import os
import random
{%- if cookiecutter.auth == "jwt" %}
import time
{%- endif %}

from locust import HttpUser, between, task

API = "/api/v1"
DEMO_USERS = 20
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-password")
THROTTLED = "429 Too Many Requests"
{%- if cookiecutter.auth == "jwt" %}
# Access tokens live 5 minutes (JWT_ACCESS_SECONDS); log in again a little before.
TOKEN_SECONDS = 240
{%- endif %}


def report_throttling(response) -> None:
    """A 429 measures the rate limit, not the API: counted on a line of its own, as a failure,
    and in no endpoint's requests per second."""
    if response.status_code == 429:
        response.request_meta["name"] = THROTTLED
        response.failure("429: raise THROTTLE_ANON_RATE and THROTTLE_USER_RATE for a load test")


class Browser(HttpUser):
    """An anonymous visitor: the bulk of the traffic, mostly served from the cache."""

    weight = 4
    wait_time = between(0.5, 2)

    def on_start(self):
        self.product_ids = []
        self.tags = set()
        stats = self.get(f"{API}/categories/stats/")
        self.categories = [category["slug"] for category in stats.json()] if stats.ok else []
        self.list_products()

    def get(self, path, name=None, **params):
        with self.client.get(
            path, params=params or None, name=name or path, catch_response=True
        ) as response:
            report_throttling(response)
        return response

    def remember(self, page):
        for product in page.get("results", []):
            self.product_ids.append(product["id"])
            self.tags.update(product.get("tags", []))
        del self.product_ids[:-500]
        return page

    @task(6)
    def list_products(self):
        response = self.get(f"{API}/products/")
        if response.ok:
            self.remember(response.json())

    @task(2)
    def next_page(self):
        response = self.get(f"{API}/products/")
        if response.ok and (cursor := response.json().get("next")):
            page = self.get(cursor, name=f"{API}/products/?cursor=[next]")
            if page.ok:
                self.remember(page.json())

    @task(3)
    def filter_by_category(self):
        if self.categories:
            category = random.choice(self.categories)
            self.get(f"{API}/products/", f"{API}/products/?category=[slug]", category=category)

    @task(1)
    def filter_by_tag(self):
        if self.tags:
            tag = random.choice(sorted(self.tags))
            self.get(f"{API}/products/", f"{API}/products/?tag=[slug]", tag=tag)

    @task(4)
    def product_detail(self):
        if self.product_ids:
            product = random.choice(self.product_ids)
            self.get(f"{API}/products/{product}/", f"{API}/products/[id]/")

    @task(1)
    def category_stats(self):
        self.get(f"{API}/categories/stats/")


class Shopper(Browser):
    """A logged-in customer: browses like a visitor (uncached lists), and orders."""

    weight = 1

    def on_start(self):
        self.log_in(f"demo-{random.randint(1, DEMO_USERS)}")
        super().on_start()
{%- if cookiecutter.auth == "token" %}

    def log_in(self, username):
        response = self.client.post(
            f"{API}/auth/token/", json={"username": username, "password": PASSWORD}
        )
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Token {response.json()['token']}"
{%- elif cookiecutter.auth == "jwt" %}

    def log_in(self, username):
        self.username = username
        response = self.client.post(
            f"{API}/auth/token/", json={"username": username, "password": PASSWORD}
        )
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {response.json()['access']}"
        self.logged_in_at = time.monotonic()

    def keep_token_fresh(self):
        if time.monotonic() - self.logged_in_at > TOKEN_SECONDS:
            self.log_in(self.username)

    def get(self, path, name=None, **params):
        self.keep_token_fresh()
        return super().get(path, name, **params)
{%- else %}

    def log_in(self, username):
        # The CSRF cookie first; every POST then sends the token in X-CSRFToken.
        csrf = self.client.get(f"{API}/auth/csrf/").json()["csrf_token"]
        self.client.headers["X-CSRFToken"] = csrf
        response = self.client.post(
            f"{API}/auth/login/", json={"username": username, "password": PASSWORD}
        )
        response.raise_for_status()
        # Logging in rotates the CSRF token.
        self.client.headers["X-CSRFToken"] = self.client.cookies["csrftoken"]
{%- endif %}

    @task(2)
    def place_order(self):
{%- if cookiecutter.auth == "jwt" %}
        self.keep_token_fresh()
{%- endif %}
        if not self.product_ids:
            return
        products = random.sample(self.product_ids, k=min(len(self.product_ids), 3))
        items = [{"product": product, "quantity": 1} for product in set(products)]
        with self.client.post(
            f"{API}/orders/", json={"items": items}, name=f"{API}/orders/", catch_response=True
        ) as response:
            # Out of stock is an answer the API is meant to give under load, not a failure.
            if response.status_code == 409:
                response.success()
            report_throttling(response)

    @task(1)
    def my_orders(self):
        self.get(f"{API}/orders/")
