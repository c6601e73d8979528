"""No state lives in a web process: what one instance creates, the other one honours."""

import pytest

from .useragent import UserAgent

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_login_made_through_one_instance_is_valid_on_the_other(topology, logged_in, user):
    second = topology.web[1]

    response = logged_in.get(f"{second.url}/api/v1/me/")

    assert response.status == 200
    assert response.json()["username"] == user.username


def test_without_the_credentials_the_other_instance_refuses(topology, logged_in):
    """The control: the request above succeeded because of what the login created."""
    anonymous = UserAgent()
    assert anonymous.get(f"{topology.web[1].url}/api/v1/me/").status in {401, 403}


def test_a_logged_in_client_is_served_by_both_instances_through_nginx(topology, logged_in):
    responses = [logged_in.get(f"{topology.url}/api/v1/me/") for _ in range(6)]

    assert [r.status for r in responses] == [200] * 6
    assert {r.served_by for r in responses} == {f"127.0.0.1:{w.port}" for w in topology.web}
