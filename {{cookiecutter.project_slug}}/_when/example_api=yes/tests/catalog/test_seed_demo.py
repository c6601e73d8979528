"""manage.py seed_demo: bulk demo data, safe to run twice."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from {{ cookiecutter.project_slug }}.catalog.models import Category, Order, Product, ProductTag

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_fills_every_table_and_reports_rows_per_second():
    output = seed("--products", "120", "--orders", "30")

    assert Category.objects.count() == 8
    assert Product.objects.count() == 120
    assert ProductTag.objects.exists()
    assert get_user_model().objects.filter(username__startswith="demo-").count() == 20
    assert Order.objects.count() == 30
    assert not Order.objects.filter(items__isnull=True).exists()
    assert "products (with their tags): 120 rows" in output
    assert "rows/s" in output


def test_seed_demo_runs_twice_upserting_products_by_sku():
    seed("--products", "50", "--orders", "5")
    seed("--products", "80", "--orders", "5")

    assert Product.objects.count() == 80
    assert Category.objects.count() == 8
    assert Order.objects.count() == 10


def test_seeded_users_can_log_in_only_with_a_given_password():
    seed("--products", "0", "--orders", "0")
    assert not get_user_model().objects.get(username="demo-1").has_usable_password()

    seed("--products", "0", "--orders", "0", "--password", "demo-secret-42")
    assert get_user_model().objects.get(username="demo-1").check_password("demo-secret-42")
