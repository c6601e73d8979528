"""Behind a load balancer that terminates TLS, as the README describes: the project's nginx,
told the balancer's address (TRUSTED_PROXIES), takes the client's address and scheme from it,
and from nobody else.

The balancer here is a second nginx, with a self-signed certificate, which reaches the
project's nginx from 127.0.0.9; clients connect from other loopback addresses (127.0.0.2 and
up), so that each has an address of its own. The app runs on the production settings, with
the HTTPS redirect and HSTS on.
"""

import contextlib
import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest
from mirakuru import TCPExecutor

from tests.proofs import servers

pytestmark = pytest.mark.django_db(transaction=True)

BALANCER_ADDRESS = "127.0.0.9"
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "a-production-secret-key-for-this-test-only-0123456789abcdef",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
}


def balancer(directory: Path, upstream_port: int) -> TCPExecutor:
    """nginx terminating TLS, passing on X-Forwarded-For (appended to) and -Proto, as cloud
    load balancers do."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(directory / "balancer.key"),
         "-out", str(directory / "balancer.crt")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    port = servers.free_port()
    temp_paths = "".join(
        f"    {kind}_temp_path {directory}/balancer_{kind}_temp;\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (directory / "balancer.conf").write_text(
        f"pid {directory}/balancer.pid;\n"
        f"error_log {directory}/balancer-error.log;\n"
        "events {}\n"
        "http {\n"
        f"{temp_paths}"
        "    access_log off;\n"
        "    server {\n"
        f"        listen 127.0.0.1:{port} ssl;\n"
        f"        ssl_certificate {directory}/balancer.crt;\n"
        f"        ssl_certificate_key {directory}/balancer.key;\n"
        "        location / {\n"
        f"            proxy_pass http://127.0.0.1:{upstream_port};\n"
        f"            proxy_bind {BALANCER_ADDRESS};\n"
        "            proxy_set_header Host $http_host;\n"
        "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "            proxy_set_header X-Forwarded-Proto https;\n"
        "        }\n"
        "    }\n"
        "}\n"
    )
    executor = TCPExecutor(
        [servers.require("nginx", "nginx-light"), "-c", str(directory / "balancer.conf"),
         "-p", f"{directory}/", "-g", "daemon off;"],
        host="127.0.0.1",
        port=port,
        timeout=10,
    )  # fmt: skip
    executor.base_url = f"https://127.0.0.1:{port}"
    return executor


@pytest.fixture(scope="module")
def stack(django_db_setup):
    directory = servers.runtime_dir()
    env = {**PRODUCTION, "DATABASE_URL": servers.database_url()}
    if "REDIS_URL" in os.environ:
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    web = servers.gunicorn(directory, env)
    with contextlib.ExitStack() as running:
        running.enter_context(web)
        nginx = servers.nginx(directory, [web.port], trusted_proxies=BALANCER_ADDRESS)
        running.enter_context(nginx)
        front = balancer(directory, nginx.port)
        running.enter_context(front)
        yield front, nginx


def client(address: str) -> httpx.Client:
    """A client connecting from `address`, which trusts the balancer's self-signed certificate."""
    transport = httpx.HTTPTransport(local_address=address, verify=False)
    return httpx.Client(transport=transport, timeout=10)


def test_https_through_the_balancer_is_served_with_hsts_and_no_redirect(stack):
    front, _ = stack
    with client("127.0.0.2") as browser:
        response = browser.get(f"{front.base_url}/api/v1/me/")

    # The app saw HTTPS: an answer (anonymous, so refused: a 401, or a 403 with sessions), not
    # a redirect to where it came from.
    assert response.status_code in {401, 403}
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_client_reaching_nginx_directly_can_claim_neither_https_nor_an_address(stack):
    _, nginx = stack
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    with client("127.0.0.4") as direct:
        response = direct.get(f"{nginx.base_url}/api/v1/me/", headers=spoofed)

    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")
    # nginx logs a request once it has answered it: wait for the line.
    assert servers.wait_for(lambda: logged_addresses(nginx)[-1:] == ["127.0.0.4"])


def test_each_client_is_limited_by_its_own_address_which_it_cannot_choose(stack):
    front, nginx = stack
    login = f"{front.base_url}/api/v1/auth/token/"
    with client("127.0.0.5") as guesser, client("127.0.0.6") as other:
        # nginx's login limit: 20 a minute per address, with bursts of 10.
        statuses = [guesser.post(login, json={}).status_code for _ in range(12)]
        assert statuses.count(429) >= 1
        # Claiming another address through the balancer buys no fresh budget...
        escape = guesser.post(login, json={}, headers={"X-Forwarded-For": "198.51.100.7"})
        assert escape.status_code == 429
        # ...nor does claiming the guesser's cost the other client anything.
        framed = other.post(login, json={}, headers={"X-Forwarded-For": "127.0.0.5"})
        assert framed.status_code != 429

    assert servers.wait_for(lambda: logged_addresses(nginx)[-1:] == ["127.0.0.6"])
    addresses = logged_addresses(nginx)
    assert addresses.count("127.0.0.5") == 13
    assert BALANCER_ADDRESS not in addresses


def logged_addresses(nginx) -> list[str]:
    """The client address of each request in nginx's access log, oldest first."""
    lines = nginx.access_log.read_text().splitlines()
    return [json.loads(line)["remote_addr"] for line in lines if line.startswith("{")]
