"""Logging in with a session: the session lives in the sessions Redis, which every instance
reads; the cookie carries only its key."""

from .useragent import UserAgent


def log_in(agent: UserAgent, base_url: str, username: str, password: str) -> None:
    """Log the agent in through base_url; its later requests to any server carry the cookie."""
    # Sets the CSRF cookie, which the agent returns in X-CSRFToken on the login POST.
    assert agent.get(f"{base_url}/api/v1/auth/csrf/").status == 200
    response = agent.post(
        f"{base_url}/api/v1/auth/login/", {"username": username, "password": password}
    )
    assert response.status == 200, response.body
    assert agent.cookie("sessionid")
