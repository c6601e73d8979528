"""A session lives in the state Redis, not in a web process: ending it through one instance
ends it on every instance."""

import httpx
import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_logging_out_through_one_instance_ends_the_session_on_the_other(topology, logged_in):
    first, second = topology.web
    # The session cookie alone authenticates, on either instance.
    replay = {"Cookie": f"sessionid={logged_in.cookies['sessionid']}"}
    assert httpx.get(f"{first.base_url}/api/v1/me/", headers=replay).status_code == 200

    assert logged_in.post(f"{second.base_url}/api/v1/auth/logout/").status_code == 204

    assert httpx.get(f"{first.base_url}/api/v1/me/", headers=replay).status_code == 403
