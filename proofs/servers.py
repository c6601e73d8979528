"""Real processes for the tests that need them: gunicorn instances of this project, and the
programs that run in front of and beside them in production (PgBouncer, nginx, Redis), each
started from the project's own config file with only addresses and paths changed.

A program this machine lacks skips the tests that need it, naming the Debian package to
install. CI sets REQUIRE_ALL_PROGRAMS=1, and a missing program fails the run instead.
"""

import configparser
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from mirakuru import HTTPExecutor, TCPExecutor

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEPLOY_DIR = PROJECT_DIR / "deploy"


def require(program: str, package: str) -> str:
    """The path of program, or skip (fail under REQUIRE_ALL_PROGRAMS=1) naming its package."""
    path = shutil.which(program)
    if path is None:
        reason = f"{program} is not installed (apt-get install {package})"
        if os.environ.get("REQUIRE_ALL_PROGRAMS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def runtime_dir() -> Path:
    # Under /tmp with mode 755: PgBouncer runs as postgres and nginx's workers as nobody when
    # the suite runs as root, and they must read what is written here.
    directory = Path(tempfile.mkdtemp(prefix="{{ cookiecutter.project_slug }}-servers-"))
    directory.chmod(0o755)
    return directory


def database_url(alias: str = "default", port: int | None = None) -> str:
    """The URL of the database the tests run on (test_<name> once pytest-django created it)."""
    db = settings.DATABASES[alias]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST']}:{port or db['PORT']}/{db['NAME']}"


def wait_for(predicate, timeout: float = 5):
    """Poll until predicate() is truthy; return its last value."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def _log(directory: Path, name: str):
    return (directory / f"{name}.log").open("ab")


def gunicorn(directory: Path, env: dict[str, str]) -> HTTPExecutor:
    """This project under gunicorn.conf.py on a free port, as in a web container, serving
    .base_url; stop() is a graceful SIGTERM, kill() a crash."""
    port = free_port()
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        # Names this instance's connections in pg_stat_activity and PgBouncer's SHOW CLIENTS.
        "PGAPPNAME": f"web-{port}",
        **env,
    }
    executor = HTTPExecutor(
        [sys.executable, "-m", "gunicorn", "config.wsgi"],
        url=f"http://127.0.0.1:{port}/healthz",
        cwd=str(PROJECT_DIR),
        envvars=env,
        timeout=30,
        stdout=_log(directory, f"web-{port}"),
        stderr=-2,  # subprocess.STDOUT
    )
    executor.port, executor.application_name = port, env["PGAPPNAME"]
    executor.base_url = f"http://127.0.0.1:{port}"
    return executor


def redis_server(directory: Path, *flags: str) -> TCPExecutor:
    """A Redis of the tests' own, without persistence, with compose's other flags given."""
    binary = require("redis-server", "redis-server")
    port = free_port()
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    executor = TCPExecutor(
        [*command, "--appendonly", "no", "--dir", str(directory), *flags],
        host="127.0.0.1",
        port=port,
        timeout=10,
        stdout=_log(directory, f"redis-{port}"),
    )
    executor.url = f"redis://127.0.0.1:{port}/0"
    return executor


def pgbouncer(directory: Path, server_url: str) -> TCPExecutor:
    """Debian's pgbouncer on deploy/pgbouncer/pgbouncer.ini, in front of server_url's
    PostgreSQL, for any database on it and with trust authentication, as that server has."""
    binary = require("pgbouncer", "pgbouncer")
    server = urlsplit(server_url)
    port = free_port()
    config = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    config.optionxform = str  # database names are case-sensitive
    config.read(DEPLOY_DIR / "pgbouncer" / "pgbouncer.ini")
    # Any database on that server, with what the project's own entry runs on each new server
    # connection (its deadlines).
    own = next(iter(config["databases"].values()), "")
    connect_query = re.search(r"connect_query='[^']*'", own)
    fallback = f"host={server.hostname} port={server.port or 5432}"
    config["databases"] = {"*": f"{fallback} {connect_query[0]}" if connect_query else fallback}
    config["pgbouncer"].update(
        {
            "listen_addr": "127.0.0.1",
            "listen_port": str(port),
            "auth_type": "trust",
            "auth_file": str(directory / "userlist.txt"),
            "admin_users": server.username or "postgres",
            "stats_users": server.username or "postgres",
            # TCP only, and the log to stderr: running as postgres, it writes no file of its own.
            "unix_socket_dir": "",
            "logfile": "",
            "pidfile": "",
        }
    )
    ini = directory / f"pgbouncer-{port}.ini"
    with ini.open("w") as file:
        config.write(file)
    (directory / "userlist.txt").write_text(f'"{server.username or "postgres"}" ""\n')
    # pgbouncer refuses to run as root.
    user = ["-u", "postgres"] if os.geteuid() == 0 else []
    executor = TCPExecutor(
        [binary, *user, str(ini)],
        host="127.0.0.1",
        port=port,
        timeout=10,
        # Since PgBouncer 1.23 SIGTERM waits for every client to leave; SIGINT does not.
        stop_signal=2,
        stdout=_log(directory, f"pgbouncer-{port}"),
        stderr=-2,
    )
    executor.port = port
    return executor


def nginx(directory: Path, upstream_ports: list[int], trusted_proxies: str = "") -> HTTPExecutor:
    """nginx from deploy/nginx/nginx.conf in front of local gunicorn instances: Docker's
    "web" service becomes one server line per port; pid, logs and temp files move here. The
    load balancers it trusts are written by deploy/nginx/trusted-proxies.sh, as compose does."""
    binary = require("nginx", "nginx-light")
    port = free_port()
    subprocess.run(
        ["sh", str(DEPLOY_DIR / "nginx" / "trusted-proxies.sh")],
        env={
            **os.environ,
            "TRUSTED_PROXIES": trusted_proxies,
            "TRUSTED_PROXIES_DIR": str(directory / "trusted-proxies"),
        },
        check=True,
    )
    conf = native_nginx_config(
        (DEPLOY_DIR / "nginx" / "nginx.conf").read_text(), port, upstream_ports, directory
    )
    (directory / "nginx.conf").write_text(conf)
    executor = HTTPExecutor(
        [binary, "-c", str(directory / "nginx.conf"), "-p", f"{directory}/", "-g", "daemon off;"],
        url=f"http://127.0.0.1:{port}/nginx-healthz",
        timeout=10,
        stop_signal=3,  # SIGQUIT: finish the requests in flight, then exit
        stdout=_log(directory, "nginx"),
        stderr=-2,
    )
    executor.base_url, executor.access_log = f"http://127.0.0.1:{port}", directory / "access.log"
    executor.cache_dir = directory / "cache"
    executor.port, executor.directory = port, directory
    return executor


def route(nginx: HTTPExecutor, upstream_ports: list[int]) -> None:
    """Send nginx's new requests to these instances only, as a balancer drains an instance
    before a deploy stops it: the configuration rewritten, then reloaded (SIGHUP), nginx's old
    workers finishing the requests they have."""
    conf = native_nginx_config(
        (DEPLOY_DIR / "nginx" / "nginx.conf").read_text(),
        nginx.port,
        upstream_ports,
        nginx.directory,
    )
    (nginx.directory / "nginx.conf").write_text(conf)
    nginx.process.send_signal(signal.SIGHUP)


def native_nginx_config(text: str, port: int, upstream_ports: list[int], run_dir: Path) -> str:
    temp_paths = "".join(
        f"    {kind}_temp_path {run_dir}/{kind}_temp;\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    rewrites = [
        (r"^[ \t]*resolver\s[^;]*;\n", ""),
        # Debian's nginx (1.22) predates `resolve`; local addresses never change anyway.
        (
            r"^([ \t]*)server\s+web:8000\s+resolve\b([^;]*);",
            lambda m: "\n".join(f"{m[1]}server 127.0.0.1:{p}{m[2]};" for p in upstream_ports),
        ),
        (r"^([ \t]*)listen\s+\d+\b([^;]*);", rf"\1listen 127.0.0.1:{port}\2;"),
        (r"^pid\s[^;]*;", f"pid {run_dir}/nginx.pid;"),
        (r"^error_log\s+\S+", f"error_log {run_dir}/error.log"),
        (r"^([ \t]*)access_log\s+/\S+", rf"\1access_log {run_dir}/access.log"),
        (r"^([ \t]*)proxy_cache_path\s+/\S+", rf"\1proxy_cache_path {run_dir}/cache"),
        (r"/etc/nginx/trusted-proxies/", f"{run_dir}/trusted-proxies/"),
        # Which instance answered, for the tests (the project's own nginx names none).
        (
            r"^([ \t]*)add_header X-Request-ID .*$",
            lambda m: f"{m[0]}\n{m[1]}add_header X-Upstream $upstream_addr always;",
        ),
        (r"^http\s*\{\n", lambda m: m[0] + temp_paths),
    ]
    for pattern, replacement in rewrites:
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert count, f"deploy/nginx/nginx.conf has nothing matching {pattern!r} to rewrite"
    return text
