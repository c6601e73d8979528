"""A session lives in the sessions Redis, not in a web process: ending it through one instance
ends it on every instance."""

import pytest

from .useragent import UserAgent

pytestmark = pytest.mark.django_db(transaction=True)


def test_logging_out_through_one_instance_ends_the_session_on_the_other(topology, logged_in):
    first, second = topology.web
    session_key = logged_in.cookie("sessionid")
    # The session cookie alone authenticates, on either instance.
    replay = UserAgent({"Cookie": f"sessionid={session_key}"})
    assert replay.get(f"{first.url}/api/v1/me/").status == 200

    assert logged_in.post(f"{second.url}/api/v1/auth/logout/").status == 204

    assert replay.get(f"{first.url}/api/v1/me/").status == 403
