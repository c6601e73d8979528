"""The servers a run starts, as mirakuru executors (as the generated project's tests start
theirs): gunicorn with the project's gunicorn.conf.py, and PgBouncer from its pgbouncer.ini."""

import configparser
import os
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
