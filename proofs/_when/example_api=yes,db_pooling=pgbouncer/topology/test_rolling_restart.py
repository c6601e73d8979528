"""A deploy replaces the instances one at a time, under a steady load of reads and orders, and
fails no request.

Drained first, as Kubernetes does (the pod leaves the Service's endpoints during its preStop
pause, before gunicorn gets SIGTERM), or not (SIGTERM while nginx still sends it requests): a
stopping instance answers every request it has accepted and closes its listening socket at
once (gunicorn.conf.py), so nginx sends the next connection, a POST's too, to the other one.
An order that got a 502 would be retried with its Idempotency-Key; none needs to be.

What is shown is nginx's and gunicorn's behaviour, the same whatever the options: it runs with
compose's whole topology (PgBouncer) only, to spare the matrix a minute per combination.
"""

import logging
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest

from {{ cookiecutter.project_slug }}.catalog.models import Category, Order, Product

from tests.proofs import servers

from .traffic import address, send, served_by

pytestmark = pytest.mark.django_db(transaction=True)

# A line per request of the load would bury a failure's own message in the output.
logging.getLogger("httpx").setLevel(logging.WARNING)

CLIENTS = 4


@pytest.fixture
def product() -> Product:
    category = Category.objects.create(slug="books", name="Books")
    return Product.objects.create(
        sku="SKU-1", name="Book", category=category, price=Decimal(10), stock=100_000
    )


class Load:
    """CLIENTS clients, each alternating a read and an order with a key of its own, until
    stopped. An order whose answer is a 502 is retried with its key, as a client should."""

    def __init__(self, topology, client, product):
        # The logged-in client's credentials, on a new connection per request: nginx's reload
        # closes its kept-alive client connections, which a browser would resend a request
        # on, and httpx would report as a failed request.
        self.url = topology.url
        self.client = httpx.Client(
            timeout=10,
            headers=client.headers,
            cookies=client.cookies,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self.order = {"items": [{"product": product.pk, "quantity": 1}]}
        self.reads, self.orders, self.retried = [], {}, Counter()
        self.stopped = threading.Event()

    def run(self, number: int) -> None:
        for sent in range(100_000):
            if self.stopped.is_set():
                return
            if (number + sent) % 2:
                self.reads.append(send(self.client, "GET", f"{self.url}/api/v1/me/"))
                continue
            key = str(uuid.uuid4())
            response = self.place(key)
            while response.status_code == 502 and self.retried[key] < 3:
                self.retried[key] += 1
                response = self.place(key)
            self.orders[key] = response

    def place(self, key: str):
        headers = {"Idempotency-Key": key}
        url = f"{self.url}/api/v1/orders/"
        return send(self.client, "POST", url, json=self.order, headers=headers)

    def __enter__(self):
        self.pool = ThreadPoolExecutor(max_workers=CLIENTS)
        self.clients = [self.pool.submit(self.run, number) for number in range(CLIENTS)]
        time.sleep(0.5)
        return self

    def __exit__(self, *exc_info):
        time.sleep(0.5)
        self.stopped.set()
        for client in self.clients:
            client.result()
        self.pool.shutdown()
        self.client.close()


def in_rotation(topology, client, instance) -> bool:
    # With a cookie: a client nginx does not rate-limit as anonymous.
    answered = {served_by(client.get(f"{topology.url}/healthz")) for _ in range(6)}
    return address(instance) in answered


def test_a_drained_rolling_restart_fails_no_request(
    topology, logged_in, product, past_nginx_cache
):
    ports = [web.port for web in topology.web]

    def serving(instance) -> bool:
        return in_rotation(topology, past_nginx_cache, instance)

    with Load(topology, logged_in, product) as load:
        for instance in topology.web:
            servers.route(topology.nginx, [port for port in ports if port != instance.port])
            assert servers.wait_for(lambda i=instance: not serving(i), 15)
            instance.stop()  # SIGTERM: gunicorn finishes what it has accepted, then exits
            instance.start()  # returns once /healthz answers
            servers.route(topology.nginx, ports)
            assert servers.wait_for(lambda i=instance: serving(i), 15)

    assert len(load.reads) > 50  # the control: the load ran across both restarts
    assert Counter(r.status_code for r in load.reads) == {200: len(load.reads)}
    assert Counter(r.status_code for r in load.orders.values()) == {201: len(load.orders)}
    assert not load.retried, load.retried
    assert Order.objects.count() == len(load.orders)


def test_an_undrained_rolling_restart_fails_no_request(
    topology, logged_in, product, past_nginx_cache
):
    with Load(topology, logged_in, product) as load:
        for instance in topology.web:
            instance.stop()
            instance.start()
            # nginx leaves an instance that refused a connection out for fail_timeout (5 s),
            # each time one of its stale kept-alive connections fails.
            assert servers.wait_for(
                lambda i=instance: in_rotation(topology, past_nginx_cache, i), 30
            )

    assert len(load.reads) > 50  # the control: the load ran across both restarts
    assert Counter(r.status_code for r in load.reads) == {200: len(load.reads)}
    assert Counter(r.status_code for r in load.orders.values()) == {201: len(load.orders)}
    assert not load.retried, load.retried
    assert Order.objects.count() == len(load.orders)
