"""Run the production topology natively, from the same config files compose uses.

    python scripts/topology.py up [--only pgbouncer]
    python scripts/topology.py down

PgBouncer runs from deploy/pgbouncer/pgbouncer.ini with only what differs on one machine
rewritten: addresses, ports and file paths. The ports and the upstream PostgreSQL come from
DATABASE_URL and DATABASE_DIRECT_URL, as for the app. Runtime files live in TOPOLOGY_DIR
(default: /tmp/{{ cookiecutter.project_slug }}-topology-<port>).
"""

import argparse
import configparser
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:6432/{{ cookiecutter.project_slug }}"
DEFAULT_DIRECT_URL = "postgres://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}"


class TopologyError(RuntimeError):
    pass


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def is_listening(host: str, port: int) -> bool:
    return wait_for_port(host, port, timeout=0.2)


class PgBouncer:
    """Debian's pgbouncer on the generated pgbouncer.ini, pointed at the local PostgreSQL."""

    def __init__(self, database_url: str, direct_url: str, state_dir: Path | None = None):
        self.client = urlsplit(database_url)
        self.server = urlsplit(direct_url)
        self.host = self.client.hostname or "127.0.0.1"
        self.port = self.client.port or 6432
        default_dir = Path(f"/tmp/{{ cookiecutter.project_slug }}-topology-{self.port}")  # noqa: S108
        self.state_dir = state_dir or Path(os.environ.get("TOPOLOGY_DIR", default_dir))
        self.ini = self.state_dir / "pgbouncer.ini"
        self.pidfile = self.state_dir / "pgbouncer.pid"
        self.logfile = self.state_dir / "pgbouncer.log"

    def write_config(self) -> None:
        config = configparser.ConfigParser(interpolation=None, delimiters=("=",))
        config.optionxform = str  # database names are case-sensitive
        config.read(PROJECT_DIR / "deploy" / "pgbouncer" / "pgbouncer.ini")
        upstream = f"host={self.server.hostname or '127.0.0.1'} port={self.server.port or 5432}"
        for name, entry in list(config["databases"].items()):
            params = [p for p in entry.split() if not p.startswith(("host=", "port="))]
            config["databases"][name] = " ".join([upstream, *params])
        # The test suite creates test_<name> databases: let PgBouncer reach any database.
        config["databases"]["*"] = upstream
        users = sorted({self.client.username or "postgres", "postgres"})
        config["pgbouncer"].update(
            {
                "listen_addr": self.host,
                "listen_port": str(self.port),
                # The local PostgreSQL trusts local connections; so does this PgBouncer.
                "auth_type": "trust",
                "auth_file": str(self.state_dir / "userlist.txt"),
                "admin_users": ",".join(users),
                "stats_users": ",".join(users),
                "unix_socket_dir": str(self.state_dir),
                "pidfile": str(self.pidfile),
                "logfile": str(self.logfile),
            }
        )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with self.ini.open("w") as file:
            config.write(file)
        (self.state_dir / "userlist.txt").write_text("".join(f'"{u}" ""\n' for u in users))

    def up(self, timeout: float = 10) -> None:
        if is_listening(self.host, self.port):
            print(f"pgbouncer: already listening on {self.host}:{self.port}")
            return
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(binary).exists():
            raise TopologyError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
        self.write_config()
        command = [binary, "-d", str(self.ini)]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            postgres = pwd.getpwnam("postgres")
            for path in self.state_dir.iterdir():
                os.chown(path, postgres.pw_uid, postgres.pw_gid)
            os.chown(self.state_dir, postgres.pw_uid, postgres.pw_gid)
            command[1:1] = ["-u", "postgres"]
        subprocess.run(command, check=True, timeout=timeout)
        if not wait_for_port(self.host, self.port, timeout):
            log = self.logfile.read_text() if self.logfile.exists() else ""
            raise TopologyError(f"pgbouncer did not start on port {self.port}:\n{log}")
        print(f"pgbouncer: listening on {self.host}:{self.port} (config {self.ini})")

    def down(self, timeout: float = 10) -> None:
        if not self.pidfile.exists():
            return
        pid = int(self.pidfile.read_text())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and is_listening(self.host, self.port):
            time.sleep(0.1)
        print(f"pgbouncer: stopped (pid {pid})")


def components() -> dict[str, PgBouncer]:
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    direct_url = os.environ.get("DATABASE_DIRECT_URL", DEFAULT_DIRECT_URL)
    return {"pgbouncer": PgBouncer(database_url, direct_url)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--only", action="append", help="start only this component")
    args = parser.parse_args(argv)
    selected = {
        name: part for name, part in components().items() if not args.only or name in args.only
    }
    try:
        for part in selected.values():
            part.up() if args.action == "up" else part.down()
    except (TopologyError, subprocess.SubprocessError) as exc:
        print(f"topology: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
