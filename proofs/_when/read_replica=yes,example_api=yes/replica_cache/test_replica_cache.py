"""With a read replica, a cached page is never older than the catalog version it is stored
under: a reader whose replica has not replayed the last write computes the page from the
primary."""

import pytest

from {{ cookiecutter.project_slug }}.catalog.models import Product

from tests.proofs.replica.test_read_replica import REPLICA

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
    pytest.mark.usefixtures("replica"),
]

URL = "/api/v1/products/"
NEW = {"sku": "NEW-1", "name": "New", "price": "1.00", "stock": 1, "category": "books"}


def skus(response) -> list[str]:
    return [row["sku"] for row in response.json()["results"]]


def test_a_page_computed_while_the_replica_lags_has_the_write_and_stays_cached(
    anonymous, editor, make_products, standby, django_assert_num_queries
):
    make_products(2)
    standby.wait_for_replay()
    assert "NEW-1" not in skus(anonymous.get(URL))  # cached under the current version

    with standby.replay_paused():
        assert editor.post(f"{URL}bulk/", {"products": [NEW]}).status_code == 200
        # The control: a read sent to the replica would not find the new product.
        assert not Product.objects.using(REPLICA).filter(sku="NEW-1").exists()

        during = anonymous.get(URL)

    standby.wait_for_replay()
    with django_assert_num_queries(0):
        after = anonymous.get(URL)
    assert "NEW-1" in skus(during)
    assert after.content == during.content
