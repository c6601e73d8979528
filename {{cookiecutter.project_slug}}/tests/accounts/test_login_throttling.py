"""Login, which hashes a password, has its own rates: per client address and per username.

Low rates here (3 a minute per address, 2 per username from one address, 4 per username in
all) stand for production's 20, 5 and 100.
"""

import pytest

from tests.authentication import LOGIN_URL

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rates")]


@pytest.fixture
def rates(throttle_rates):
    throttle_rates(login_address="3/min", login_username="2/min", login_username_total="4/min")


def throttled(statuses: list[int]) -> list[bool]:
    # A wrong password is a 400 (or 401 with JWT); only the throttle answers 429.
    assert set(statuses) <= {400, 401, 429}
    return [status == 429 for status in statuses]


def attempt(api_client, username: str, address: str = "203.0.113.7", password: str = "guess"):  # noqa: S107
    return api_client.post(
        LOGIN_URL,
        {"username": username, "password": password},
        headers={"x-forwarded-for": address},
    )


def test_guesses_from_one_address_do_not_lock_the_user_out_of_her_own(api_client, user, password):
    guesses = [attempt(api_client, "alice", "198.51.100.66").status_code for _ in range(3)]
    alice = attempt(api_client, "alice", "203.0.113.7", password=password)

    assert throttled(guesses) == [False, False, True]
    assert alice.status_code == 200


def test_one_username_gets_four_attempts_a_minute_from_any_number_of_addresses(api_client, user):
    statuses = [attempt(api_client, "alice", f"198.51.100.{i}").status_code for i in range(5)]

    assert throttled(statuses) == [False, False, False, False, True]


@pytest.mark.parametrize(
    "forwarded_for", ["203.0.113.7", "10.0.0.{i}, 203.0.113.7"], ids=["plain", "spoofed"]
)
def test_one_address_gets_three_attempts_a_minute_whatever_the_usernames(
    api_client, forwarded_for
):
    # One proxy (nginx) in front: the address it appended is the client's, whatever the client
    # wrote before it.
    statuses = [
        attempt(api_client, f"user{i}", forwarded_for.format(i=i)).status_code for i in range(4)
    ]

    assert throttled(statuses) == [False, False, False, True]


def test_a_throttled_login_is_a_json_429_saying_when_to_retry(api_client, user, password):
    for _ in range(2):
        attempt(api_client, "alice")

    response = attempt(api_client, "alice", password=password)  # even the right password

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
