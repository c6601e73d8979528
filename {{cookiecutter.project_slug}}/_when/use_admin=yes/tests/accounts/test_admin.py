"""The admin works on the minimal stack: sessions in Redis, static files from whitenoise."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_login_page_renders(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_a_staff_user_reaches_the_admin_index(client, django_user_model, password):
    staff = django_user_model.objects.create_user(
        username="admin", password=password, is_staff=True, is_superuser=True
    )
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.username, "password": password}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_admin_is_not_framed_by_other_sites(client):
    assert client.get("/admin/login/")["X-Frame-Options"] == "DENY"


def test_the_admin_login_has_the_api_logins_rate_limits(client, throttle_rates, user, password):
    throttle_rates(login_address="10/min", login_username="2/min")

    def attempt(password: str):
        return client.post("/admin/login/", {"username": user.username, "password": password})

    statuses = [attempt("guess").status_code for _ in range(2)]
    refused = attempt(password)  # even the right password

    assert statuses == [200, 200]  # the form again, with its error
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
