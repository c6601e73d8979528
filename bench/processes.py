"""The servers a run starts, as mirakuru executors (as the template's proofs start theirs):
gunicorn with the project's gunicorn.conf.py, PgBouncer from its pgbouncer.ini, and nginx
from its nginx.conf."""

import configparser
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from mirakuru import HTTPExecutor, TCPExecutor

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log(directory: Path, name: str):
    return (directory / f"{name}.log").open("ab")


def gunicorn(name: str, app: str, project: Path, env: dict[str, str], directory: Path):
    """gunicorn serving `app` from the project's directory, with its gunicorn.conf.py, on a
    free port (.base_url); started once /healthz answers 200."""
    port = free_port()
    executor = HTTPExecutor(
        [sys.executable, "-m", "gunicorn", app],
        url=f"http://127.0.0.1:{port}/healthz",
        cwd=str(project),
        envvars={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        timeout=60,
        stdout=_log(directory, name),
        stderr=subprocess.STDOUT,
    )
    executor.base_url, executor.log = f"http://127.0.0.1:{port}", directory / f"{name}.log"
    executor.port = port
    return executor


def pgbouncer(ini: Path, server_url: str, directory: Path) -> TCPExecutor:
    """Debian's pgbouncer on the project's pgbouncer.ini, in front of server_url's PostgreSQL
    for any database on it, with trust authentication as that server has; .port."""
    server = urlsplit(server_url)
    user = server.username or "postgres"
    port = free_port()
    config = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    config.optionxform = str  # database names are case-sensitive
    config.read(ini)
    config["databases"] = {"*": f"host={server.hostname} port={server.port or 5432}"}
    config["pgbouncer"].update(
        {
            "listen_addr": "127.0.0.1",
            "listen_port": str(port),
            "auth_type": "trust",
            "auth_file": str(directory / "userlist.txt"),
            "admin_users": user,
            "stats_users": user,
            # TCP only, and the log to stderr: running as postgres, it writes no file here.
            "unix_socket_dir": "",
            "logfile": "",
            "pidfile": "",
        }
    )
    with (directory / "pgbouncer.ini").open("w") as file:
        config.write(file)
    (directory / "userlist.txt").write_text(f'"{user}" ""\n')
    run_as = ["-u", "postgres"] if os.geteuid() == 0 else []  # it refuses to run as root
    executor = TCPExecutor(
        ["pgbouncer", *run_as, str(directory / "pgbouncer.ini")],
        host="127.0.0.1",
        port=port,
        timeout=10,
        # Since PgBouncer 1.23 SIGTERM waits for every client to leave; SIGINT does not.
        stop_signal=signal.SIGINT,
        stdout=_log(directory, "pgbouncer"),
        stderr=subprocess.STDOUT,
    )
    executor.port = port
    return executor


def nginx(conf: Path, upstream_port: int, directory: Path) -> HTTPExecutor:
    """The project's nginx.conf in front of one local gunicorn (.base_url): its upstream, port
    and file paths rewritten, and its anonymous rate limit lifted, since every request of a
    run comes from this machine's one address (the app's is lifted too)."""
    port = free_port()
    # No load balancer in front: trusted-proxies.sh writes empty lists, as compose runs it.
    trusted = directory / "nginx-trusted-proxies"
    subprocess.run(
        ["sh", str(conf.parent / "trusted-proxies.sh")],
        env={**os.environ, "TRUSTED_PROXIES": "", "TRUSTED_PROXIES_DIR": str(trusted)},
        check=True,
    )
    temp_paths = "".join(
        f"    {kind}_temp_path {directory}/nginx-{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    rewrites = [
        (r"^[ \t]*resolver\s[^;]*;\n", ""),
        (r"server\s+web:8000\s+resolve\b", f"server 127.0.0.1:{upstream_port}"),
        (r"^([ \t]*)listen\s+\d+\b", rf"\1listen 127.0.0.1:{port}"),
        (r"^pid\s[^;]*;", f"pid {directory}/nginx.pid;"),
        (r"^error_log\s+\S+", f"error_log {directory}/nginx-error.log"),
        (r"^([ \t]*)access_log\s+/[^;]*;", r"\1access_log off;"),
        (r"proxy_cache_path\s+/\S+", f"proxy_cache_path {directory}/nginx-cache"),
        (r"/etc/nginx/trusted-proxies/", f"{trusted}/"),
        # Removed rather than raised: nginx counts time in milliseconds, and at this rate more
        # than the burst of requests from one address arrive within the same one.
        (r"^[ \t]*limit_req zone=anonymous\b[^;]*;\n", ""),
        (r"^http\s*\{\n", lambda m: m[0] + temp_paths),
    ]
    text = conf.read_text()
    for pattern, replacement in rewrites:
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        if not count:
            raise RuntimeError(f"{conf} has nothing matching {pattern!r} to rewrite")
    (directory / "nginx.conf").write_text(text)
    executor = HTTPExecutor(
        ["nginx", "-c", str(directory / "nginx.conf"), "-p", f"{directory}/", "-g", "daemon off;"],
        url=f"http://127.0.0.1:{port}/nginx-healthz",
        timeout=10,
        stop_signal=signal.SIGQUIT,
        stdout=_log(directory, "nginx"),
        stderr=subprocess.STDOUT,
    )
    executor.base_url, executor.log = f"http://127.0.0.1:{port}", directory / "nginx.log"
    return executor


def cpu_seconds(master: int) -> float:
    """CPU time of a gunicorn master and its workers so far, replaced workers included: the
    kernel adds a reaped child's time to its parent's (cutime and cstime)."""

    def fields(pid) -> list[str]:
        # After "pid (comm)": state, ppid, ...; utime, stime, cutime, cstime are 12th to 15th.
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()

    ticks = sum(int(value) for value in fields(master)[11:15])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                worker = fields(entry.name)
            except OSError:  # exited meanwhile
                continue
            if int(worker[1]) == master:
                ticks += int(worker[11]) + int(worker[12])
    return ticks / CLOCK_TICKS
