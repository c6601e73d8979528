"""Logging in with JWT: the token is signed with DJANGO_SECRET_KEY, which every instance shares."""

from .useragent import UserAgent


def log_in(agent: UserAgent, base_url: str, username: str, password: str) -> None:
    """Log the agent in through base_url; its later requests to any server carry the token."""
    response = agent.post(
        f"{base_url}/api/v1/auth/token/", {"username": username, "password": password}
    )
    assert response.status == 200, response.body
    agent.headers["Authorization"] = f"Bearer {response.json()['access']}"
