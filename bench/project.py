"""What the benchmark reads from a generated project: its package, how it pools connections,
and how its clients log in. Read from its files, so that bench/ holds no template syntax."""

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.request import Request, urlopen


@dataclass
class Project:
    path: Path

    @cached_property
    def slug(self) -> str:
        """The project's Python package: the directory that holds its core app."""
        (package,) = [p.parent.parent.name for p in self.path.glob("*/core/apps.py")]
        return package

    @property
    def pgbouncer_ini(self) -> Path:
        return self.path / "deploy" / "pgbouncer" / "pgbouncer.ini"

    @property
    def nginx_conf(self) -> Path:
        return self.path / "deploy" / "nginx" / "nginx.conf"

    @cached_property
    def pooling(self) -> str:
        """pgbouncer, django_pool or persistent (the db_pooling it was generated with)."""
        if self.pgbouncer_ini.exists():  # generated only where PgBouncer runs
            return "pgbouncer"
        database = (self.path / "config" / "settings" / "components" / "database.py").read_text()
        return "django_pool" if '"pool":' in database else "persistent"

    @property
    def has_catalog(self) -> bool:
        return (self.path / self.slug / "catalog" / "apps.py").exists()


def _post_json(url: str, body: dict, headers: dict[str, str]) -> tuple[dict, list[str]]:
    """The JSON answer to a POST and the Set-Cookie headers of the response."""
    request = Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
    )
    with urlopen(request, timeout=30) as response:
        return json.load(response), response.headers.get_all("Set-Cookie") or []


def log_in(base_url: str, username: str, password: str) -> dict[str, str]:
    """The headers that authenticate this user's requests, for each auth option: a DRF token
    (Authorization: Token), a JWT (Authorization: Bearer), or a session cookie with the CSRF
    token that unsafe methods need."""
    try:
        answer, _ = _post_json(
            f"{base_url}/api/v1/auth/token/", {"username": username, "password": password}, {}
        )
    except OSError as error:  # urllib's HTTPError: 404 without token endpoints (sessions)
        if getattr(error, "code", None) != 404:
            raise
    else:
        if "token" in answer:
            return {"Authorization": f"Token {answer['token']}"}
        return {"Authorization": f"Bearer {answer['access']}"}
    with urlopen(f"{base_url}/api/v1/auth/csrf/", timeout=30) as response:
        csrf = json.load(response)["csrf_token"]
        cookies = _cookies(response.headers.get_all("Set-Cookie"))
    _, set_cookies = _post_json(
        f"{base_url}/api/v1/auth/login/",
        {"username": username, "password": password},
        {"X-CSRFToken": csrf, "Cookie": _cookie_header(cookies)},
    )
    # Logging in rotates the CSRF token: the new cookie's value is the token to send.
    cookies.update(_cookies(set_cookies))
    return {"X-CSRFToken": cookies["csrftoken"], "Cookie": _cookie_header(cookies)}


def _cookies(set_cookie_headers: list[str] | None) -> dict[str, str]:
    pairs = (header.split(";")[0].split("=", 1) for header in set_cookie_headers or [])
    return dict(pairs)


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())
