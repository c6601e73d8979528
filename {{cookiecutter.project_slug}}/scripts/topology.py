"""Run the production topology natively, from the same config files compose uses.

    python scripts/topology.py up [--only pgbouncer|web|nginx] [--web-ports 8001,8002]
    python scripts/topology.py down [--only ...]
    python scripts/topology.py config DIR    # write the native configs only (for nginx -t)

{% if cookiecutter.db_pooling == "pgbouncer" -%}
What compose runs in containers runs here as local processes: PgBouncer from
deploy/pgbouncer/pgbouncer.ini, two gunicorn instances of this project on two ports, and nginx
from deploy/nginx/nginx.conf in front of both.
{%- else -%}
What compose runs in containers runs here as local processes: two gunicorn instances of this
project on two ports, and nginx from deploy/nginx/nginx.conf in front of both.
{%- endif %}
Only what differs on one machine is rewritten: addresses, ports and file paths. PostgreSQL and
Redis are the machine's own (DATABASE_URL, DATABASE_DIRECT_URL, REDIS_URL, as for the app).

Runtime files (configs, pid files, logs) live in TOPOLOGY_DIR, by default
/tmp/<project>-topology-<port of DATABASE_URL>. The test suite (tests/topology/) and the
benchmark drive the same classes on free ports.
"""

import argparse
import configparser
import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
SLUG = "{{ cookiecutter.project_slug }}"
{%- if cookiecutter.db_pooling == "pgbouncer" %}
# The app reaches PostgreSQL through PgBouncer in transaction mode (config/settings/database.py).
USES_PGBOUNCER = True
DEFAULT_DATABASE_URL = f"postgres://postgres@127.0.0.1:6432/{SLUG}"
{%- else %}
# The app connects to PostgreSQL itself (config/settings/database.py): no PgBouncer here.
USES_PGBOUNCER = False
DEFAULT_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{SLUG}"
{%- endif %}
DEFAULT_DIRECT_URL = f"postgres://postgres@127.0.0.1:5432/{SLUG}"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_WEB_PORTS = (8001, 8002)
DEFAULT_NGINX_PORT = 8080


class TopologyError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def is_listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def is_alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting for its parent (or init) to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    # pid (comm) state ...: comm may contain spaces and parentheses.
    return stat.rpartition(")")[2].split()[0] != "Z"


def http_status(port: int, path: str, timeout: float = 1) -> int | None:
    """Status of GET path on a local port (no proxy, whatever the environment says)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


class Process:
    """A long-running process started from here in a session of its own, found again by its
    pid file, so that `down` in another shell stops what `up` started."""

    def __init__(self, name: str, state_dir: Path):
        self.name = name
        self.state_dir = state_dir
        self.pidfile = state_dir / f"{name}.pid"
        self.logfile = state_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def command_marks(self) -> list[str]:
        """Strings the process's command line contains: a pid file left by a crash may name
        a pid that an unrelated process has reused since, and that one must not be stopped."""
        return []

    def pid(self) -> int | None:
        """The pid of the running process, or None."""
        if self.process is not None:
            return self.process.pid if self.process.poll() is None else None
        try:
            pid = int(self.pidfile.read_text())
        except (OSError, ValueError):
            return None
        if not is_alive(pid):
            return None
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # no /proc: trust the pid file
            return pid
        return pid if all(mark in command for mark in self.command_marks()) else None

    def spawn(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with self.logfile.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group: stopping it stops its workers, and a Ctrl-C in the
                # shell that ran `up` does not.
                start_new_session=True,
            )
        self.pidfile.write_text(str(self.process.pid))

    def log_tail(self, lines: int = 30) -> str:
        if not self.logfile.exists():
            return ""
        return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def stop(self, timeout: float = 10, sig: int = signal.SIGTERM) -> None:
        """Signal the process group, wait until it is gone, and SIGKILL it after timeout."""
        pid = self.pid()
        if pid is not None:
            self._signal_group(pid, sig)
            if not self._wait_gone(pid, timeout):
                self._signal_group(pid, signal.SIGKILL)
                self._wait_gone(pid, timeout)
            print(f"{self.name}: stopped (pid {pid})")
        self.pidfile.unlink(missing_ok=True)
        self.process = None

    def kill(self) -> None:
        """A crash: SIGKILL to the whole process group, nothing shuts down cleanly."""
        self.stop(sig=signal.SIGKILL)

    @staticmethod
    def _signal_group(pid: int, sig: int) -> None:
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:  # not a group leader (a daemon started otherwise)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        if self.process is not None:  # our child: reap it, or it lingers as a zombie
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = time.monotonic() + timeout
        while is_alive(pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True


class PgBouncer(Process):
    """Debian's pgbouncer on the generated pgbouncer.ini, pointed at the local PostgreSQL."""

    def __init__(self, database_url: str, direct_url: str, state_dir: Path):
        super().__init__("pgbouncer", state_dir)
        self.client = urlsplit(database_url)
        self.server = urlsplit(direct_url)
        self.host = self.client.hostname or "127.0.0.1"
        self.port = self.client.port or 6432
        self.ini = state_dir / "pgbouncer.ini"

    def command_marks(self) -> list[str]:
        return ["pgbouncer", str(self.ini)]

    def write_config(self) -> Path:
        config = configparser.ConfigParser(interpolation=None, delimiters=("=",))
        config.optionxform = str  # database names are case-sensitive
        config.read(PROJECT_DIR / "deploy" / "pgbouncer" / "pgbouncer.ini")
        upstream = f"host={self.server.hostname or '127.0.0.1'} port={self.server.port or 5432}"
        # A read replica's entry, <name>_replica, leads to DATABASE_REPLICA_DIRECT_URL (where the
        # replica tests start a hot standby), and test_<name>_replica to its test database.
        replica = urlsplit(os.environ.get("DATABASE_REPLICA_DIRECT_URL") or "//127.0.0.1:5433")
        standby = f"host={replica.hostname or '127.0.0.1'} port={replica.port or 5432}"
        for name, entry in list(config["databases"].items()):
            params = [p for p in entry.split() if not p.startswith(("host=", "port="))]
            if name.endswith("_replica"):
                config["databases"][name] = " ".join([standby, *params])
                tests = [re.sub(r"^dbname=", "dbname=test_", p) for p in params]
                config["databases"][f"test_{name}"] = " ".join([standby, *tests])
            else:
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
                # TCP only, and the log goes to stderr (captured by this script): PgBouncer,
                # which runs as postgres when started by root, writes no file of its own.
                "unix_socket_dir": "",
                "logfile": "",
                "pidfile": "",
            }
        )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # Started by root, pgbouncer runs as postgres: it must still read its config.
        self.state_dir.chmod(0o755)
        with self.ini.open("w") as file:
            config.write(file)
        (self.state_dir / "userlist.txt").write_text("".join(f'"{u}" ""\n' for u in users))
        return self.ini

    def up(self, timeout: float = 10) -> None:
        if is_listening(self.host, self.port):
            print(f"pgbouncer: already listening on {self.host}:{self.port}")
            return
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(binary).exists():
            raise TopologyError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
        command = [binary, str(self.write_config())]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            command[1:1] = ["-u", "postgres"]
        self.spawn(command)
        if not wait_for_port(self.host, self.port, timeout) or self.exited():
            self.stop()
            raise TopologyError(f"pgbouncer did not start on port {self.port}:\n{self.log_tail()}")
        print(f"pgbouncer: listening on {self.host}:{self.port} (config {self.ini})")

    def down(self) -> None:
        # Since PgBouncer 1.23 SIGTERM waits for every client to leave; the web instances keep
        # theirs open, so after 3 s it is killed.
        self.stop(timeout=3)


class Gunicorn(Process):
    """One instance of this project under gunicorn.conf.py, as in a web container."""

    def __init__(self, port: int, env: dict[str, str], state_dir: Path):
        super().__init__(f"web-{port}", state_dir)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            # Names this instance's connections in pg_stat_activity and SHOW CLIENTS.
            "PGAPPNAME": f"{SLUG}-{self.name}",
        }

    @property
    def application_name(self) -> str:
        return self.env["PGAPPNAME"]

    def command_marks(self) -> list[str]:
        return ["gunicorn", f"--bind 127.0.0.1:{self.port}"]

    def up(self, timeout: float = 30) -> None:
        if self.pid() is not None:
            print(f"{self.name}: already running on {self.url}")
            return
        if is_listening("127.0.0.1", self.port):
            raise TopologyError(f"{self.name}: port {self.port} is taken by another process")
        bind = ["--bind", self.env["GUNICORN_BIND"]]  # the same, and visible in `ps`
        self.spawn([sys.executable, "-m", "gunicorn", *bind, "config.wsgi"], env=self.env)
        deadline = time.monotonic() + timeout
        while http_status(self.port, "/healthz") != 200:
            if self.exited() or time.monotonic() > deadline:
                self.stop()
                raise TopologyError(f"{self.name} did not become healthy:\n{self.log_tail()}")
            time.sleep(0.1)
        print(f"{self.name}: {self.url}")

    def down(self) -> None:
        # SIGTERM: gunicorn finishes the requests in flight (graceful_timeout) and exits.
        self.stop(timeout=35)


class Nginx(Process):
    """nginx from deploy/nginx/nginx.conf, balancing over the local gunicorn instances."""

    def __init__(self, port: int, upstream_ports: list[int], state_dir: Path):
        super().__init__("nginx", state_dir)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.upstream_ports = upstream_ports
        self.prefix = state_dir / "nginx"
        self.conf = self.prefix / "nginx.conf"

    def command_marks(self) -> list[str]:
        return ["nginx", str(self.conf)]

    def write_config(self) -> Path:
        source = PROJECT_DIR / "deploy" / "nginx" / "nginx.conf"
        text = native_nginx_config(
            source.read_text(), self.port, self.upstream_ports, self.prefix.resolve()
        )
        self.prefix.mkdir(parents=True, exist_ok=True)
        # nginx's workers run as nobody when the master is root: they must reach temp files.
        for directory in (self.state_dir, self.prefix):
            directory.chmod(0o755)
        self.conf.write_text(text)
        return self.conf

    def command(self, *extra: str) -> list[str]:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise TopologyError("nginx is not installed (Debian: apt-get install nginx-light)")
        error_log = str(self.prefix / "error.log")
        return [binary, "-c", str(self.conf), "-p", f"{self.prefix}/", "-e", error_log, *extra]

    def up(self, timeout: float = 10) -> None:
        if self.pid() is not None:
            print(f"nginx: already running on {self.url}")
            return
        if is_listening("127.0.0.1", self.port):
            raise TopologyError(f"nginx: port {self.port} is taken by another process")
        self.write_config()
        self.spawn(self.command("-g", "daemon off;"))
        deadline = time.monotonic() + timeout
        while http_status(self.port, "/nginx-healthz") != 200:
            if self.exited() or time.monotonic() > deadline:
                self.stop()
                errors = (self.prefix / "error.log").read_text(errors="replace")
                raise TopologyError(f"nginx did not start:\n{self.log_tail()}\n{errors}")
            time.sleep(0.05)
        print(f"nginx: {self.url} -> {', '.join(str(p) for p in self.upstream_ports)}")

    def down(self) -> None:
        # SIGQUIT: finish the requests in flight, then exit.
        self.stop(timeout=10, sig=signal.SIGQUIT)


def _rewrite(pattern: str, replacement, text: str, what: str) -> str:
    result, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if count == 0:
        raise TopologyError(f"deploy/nginx/nginx.conf has no {what} to rewrite")
    return result


def native_nginx_config(text: str, port: int, upstream_ports: list[int], run_dir: Path) -> str:
    """The compose nginx.conf for this machine: Docker's DNS name "web" becomes one local
    server per gunicorn instance, and pid, logs and temp files move to run_dir."""

    def servers(match: re.Match) -> str:
        indent, parameters = match.group(1), match.group(2)
        # Debian's nginx (1.22) predates `resolve`; local addresses never change anyway.
        parameters = re.sub(r"\s+resolve\b", "", parameters)
        return "\n".join(f"{indent}server 127.0.0.1:{p}{parameters};" for p in upstream_ports)

    text = _rewrite(r"^[ \t]*resolver\s[^;]*;\n", "", text, "resolver")
    text = _rewrite(r"^([ \t]*)server\s+web:8000\b([^;]*);", servers, text, "web upstream")
    text = _rewrite(
        r"^([ \t]*)listen\s+\d+\b([^;]*);", rf"\1listen 127.0.0.1:{port}\2;", text, "listen"
    )
    text = _rewrite(r"^pid\s[^;]*;", f"pid {run_dir}/nginx.pid;", text, "pid")
    text = _rewrite(r"^error_log\s+\S+", f"error_log {run_dir}/error.log", text, "error_log")
    text = _rewrite(
        r"^([ \t]*)access_log\s+/\S+", rf"\1access_log {run_dir}/access.log", text, "access_log"
    )
    temp_paths = "".join(
        f"    {kind}_temp_path {run_dir}/{kind}_temp;\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return _rewrite(r"^http\s*\{\n", lambda m: m.group(0) + temp_paths, text, "http block")


class Topology:
    """PgBouncer (with db_pooling=pgbouncer), the web instances and nginx, started in that
    order and stopped in the reverse one."""

    def __init__(
        self,
        *,
        database_url: str,
        direct_url: str,
        web_ports: list[int],
        nginx_port: int,
        state_dir: Path,
        env: dict[str, str] | None = None,
        pgbouncer: bool = USES_PGBOUNCER,
    ):
        self.state_dir = state_dir
        self.pgbouncer = PgBouncer(database_url, direct_url, state_dir) if pgbouncer else None
        app_env = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
        self.web = [Gunicorn(port, app_env, state_dir) for port in web_ports]
        self.nginx = Nginx(nginx_port, web_ports, state_dir)

    @property
    def url(self) -> str:
        return self.nginx.url

    def components(self, only: list[str] | None = None) -> list:
        groups = {
            "pgbouncer": [self.pgbouncer] if self.pgbouncer else [],
            "web": self.web,
            "nginx": [self.nginx],
        }
        unknown = set(only or ()) - set(groups)
        if unknown:
            raise TopologyError(f"no such component: {', '.join(sorted(unknown))}")
        chosen = [parts for name, parts in groups.items() if not only or name in only]
        return [part for parts in chosen for part in parts]

    def up(self, only: list[str] | None = None) -> None:
        for part in self.components(only):
            part.up()

    def down(self, only: list[str] | None = None) -> None:
        for part in reversed(self.components(only)):
            part.down()

    def __enter__(self) -> "Topology":
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.down()


def from_environment(web_ports: list[int], nginx_port: int) -> Topology:
    """The topology `make topology-up` runs: production settings on the local services."""
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    default_dir = f"/tmp/{SLUG}-topology-{urlsplit(database_url).port or 5432}"  # noqa: S108
    state_dir = Path(os.environ.get("TOPOLOGY_DIR", default_dir))
    state_dir.mkdir(parents=True, exist_ok=True)
    # One secret for every instance: a session, signed cookie or token made by one instance
    # must be valid on the others.
    secret_file = state_dir / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(50))
        secret_file.chmod(0o600)
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secret_file.read_text(),
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        # Plain HTTP on this machine.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "REDIS_URL": DEFAULT_REDIS_URL,
        "WEB_CONCURRENCY": "2",
    }
    env.update({key: os.environ[key] for key in env if key in os.environ})
    # `down` also stops instances started earlier on other ports.
    running = sorted(int(p.stem.removeprefix("web-")) for p in state_dir.glob("web-*.pid"))
    return Topology(
        database_url=database_url,
        direct_url=os.environ.get("DATABASE_DIRECT_URL", DEFAULT_DIRECT_URL),
        web_ports=list(dict.fromkeys([*web_ports, *running])),
        nginx_port=nginx_port,
        state_dir=state_dir,
        env=env,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["up", "down", "config"])
    parser.add_argument("directory", nargs="?", type=Path, help="config: where to write")
    parser.add_argument(
        "--only", action="append", help="pgbouncer, web or nginx (repeatable; default: all)"
    )
    parser.add_argument(
        "--web-ports",
        default=os.environ.get("TOPOLOGY_WEB_PORTS", ",".join(map(str, DEFAULT_WEB_PORTS))),
        help="comma-separated ports of the gunicorn instances",
    )
    parser.add_argument(
        "--nginx-port",
        type=int,
        default=int(os.environ.get("TOPOLOGY_NGINX_PORT", DEFAULT_NGINX_PORT)),
    )
    args = parser.parse_args(argv)
    web_ports = [int(port) for port in args.web_ports.split(",") if port]
    try:
        if args.action == "config":
            if args.directory is None:
                parser.error("config needs a directory")
            return write_configs(args.directory, web_ports, args.nginx_port)
        topology = from_environment(web_ports, args.nginx_port)
        if args.action == "up":
            topology.up(args.only)
            if not args.only or "nginx" in args.only:
                print(f"topology: {topology.url} (logs in {topology.state_dir})")
        else:
            topology.down(args.only)
    except (TopologyError, subprocess.SubprocessError, OSError) as exc:
        print(f"topology: {exc}", file=sys.stderr)
        return 1
    return 0


def write_configs(directory: Path, web_ports: list[int], nginx_port: int) -> int:
    """Write the native configs without starting anything, and print their paths."""
    directory = directory.resolve()
    topology = Topology(
        database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        direct_url=os.environ.get("DATABASE_DIRECT_URL", DEFAULT_DIRECT_URL),
        web_ports=web_ports,
        nginx_port=nginx_port,
        state_dir=directory,
    )
    if topology.pgbouncer:
        print(topology.pgbouncer.write_config())
    print(topology.nginx.write_config())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
