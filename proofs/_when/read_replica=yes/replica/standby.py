"""A real hot standby of the PostgreSQL the tests run on, for the read-replica tests.

`pg_basebackup -R` copies the primary cluster into a temporary directory as a standby that
streams the primary's WAL, and `pg_ctl` starts it on a port of its own. What that needs:

- PostgreSQL's server programs of the primary's major version on this machine
  (Debian and Ubuntu: the postgresql-<major> package, found in /usr/lib/postgresql/<major>/bin);
- a primary that accepts replication connections from here. initdb's default pg_hba.conf does;
  otherwise add `host replication all 127.0.0.1/32 trust` (or a password method, with the
  password in DATABASE_URL) and run `SELECT pg_reload_conf()`.

No replication slot: a slot left behind by a killed test run would make the primary keep WAL
forever. The standby streams from the moment it starts, so it never needs old WAL.
"""

import contextlib
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

# A minimal configuration for a cluster whose files live outside its data directory (Debian
# keeps them in /etc/postgresql, so pg_basebackup does not copy them).
HBA = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"
# pg_basebackup copies the whole cluster, every database in it: refuse to copy more than this
# (a developer's PostgreSQL with big databases), rather than fill the disk for a test.
MAX_COPY_BYTES = 2 * 1024**3
# A hot standby refuses to start with less of these than its primary has.
MATCHED_SETTINGS = (
    "max_connections",
    "max_locks_per_transaction",
    "max_prepared_transactions",
    "max_wal_senders",
    "max_worker_processes",
)


class StandbyError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class HotStandby:
    """A standby of `primary` (psycopg connection keywords) listening on host:port."""

    def __init__(self, primary: dict, host: str, port: int, prefix: str):
        self.primary = primary
        self.host = host
        self.port = port
        self.prefix = prefix
        self.directory: Path | None = None
        self.bindir: Path | None = None
        self.options: list[str] = []

    @property
    def data(self) -> Path:
        assert self.directory is not None
        return self.directory / "data"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            **{**self.primary, "host": self.host, "port": self.port, "dbname": dbname},
            autocommit=True,
            connect_timeout=5,
        )

    def connect_primary(self) -> psycopg.Connection:
        return psycopg.connect(**self.primary, autocommit=True, connect_timeout=5)

    def start(self, timeout: float = 60) -> None:
        self._stop_leftovers()
        if is_listening(self.host, self.port):
            raise StandbyError(
                f"Port {self.port} is taken: point DATABASE_REPLICA_DIRECT_URL at a free one."
            )
        with self.connect_primary() as primary:
            major = primary.info.server_version // 10000
            (size,) = primary.execute(
                "SELECT sum(pg_database_size(oid))::bigint FROM pg_database"
            ).fetchone()
            settings = dict(
                primary.execute(
                    "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                    [list(MATCHED_SETTINGS)],
                ).fetchall()
            )
        if size > MAX_COPY_BYTES:
            raise StandbyError(
                f"The primary holds {size / 1024**3:.1f} GB, and pg_basebackup would copy all of "
                "it: run the tests on a PostgreSQL of their own (DATABASE_URL)."
            )
        self.bindir = find_bindir(major)
        self.directory = Path(tempfile.mkdtemp(prefix=self.prefix))
        self._own(self.directory)
        self._run(
            "pg_basebackup",
            *("-h", self.primary["host"], "-p", str(self.primary["port"])),
            *("-U", self.primary["user"], "-D", str(self.data)),
            # -R: write standby.signal and primary_conninfo; stream WAL during the copy; ask
            # for an immediate checkpoint instead of waiting minutes for a spread one.
            *("-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
            timeout=max(timeout, 300),
        )
        for name, text in (("postgresql.conf", ""), ("pg_hba.conf", HBA), ("pg_ident.conf", "")):
            if not (self.data / name).exists():
                (self.data / name).write_text(text)
                self._own(self.data / name)
        self.options = [
            *("-p", str(self.port), "-k", str(self.directory)),
            *("-c", f"listen_addresses={self.host}", "-c", "hot_standby=on"),
            *(arg for name, value in settings.items() for arg in ("-c", f"{name}={value}")),
        ]
        self._start_server(timeout)
        with self.connect() as standby:
            if not standby.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                raise StandbyError(f"The server on port {self.port} is not a standby.")

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """The standby shut down (its sessions ended), then started again on the same data."""
        stop_cluster(self.data)
        try:
            yield
        finally:
            self._start_server(timeout=60)

    def _start_server(self, timeout: float) -> None:
        assert self.directory is not None
        self._run(
            "pg_ctl",
            *("-D", str(self.data), "-l", str(self.directory / "postgres.log")),
            *("-o", shlex.join(self.options), "-w", "-t", str(int(timeout)), "start"),
            timeout=timeout + 5,
        )

    def stop(self) -> None:
        if self.directory is None:
            return
        try:
            if (self.data / "postmaster.pid").exists():
                stop_cluster(self.data)
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def wait_for_replay(self, timeout: float = 10) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        with self.connect_primary() as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with self.connect() as standby:
            while True:
                caught_up = standby.execute(
                    "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", [target]
                ).fetchone()[0]
                if caught_up:
                    return
                if time.monotonic() > deadline:
                    raise StandbyError(f"The standby did not replay up to {target} in {timeout}s.")
                time.sleep(0.02)

    @contextlib.contextmanager
    def replay_paused(self) -> Iterator[None]:
        """The standby receives WAL but does not apply it: a lagging replica, on demand.

        It first catches up, so that only what is written inside the block is missing.
        """
        self.wait_for_replay()
        with self.connect() as standby:
            standby.execute("SELECT pg_wal_replay_pause()")
            try:
                yield
            finally:
                standby.execute("SELECT pg_wal_replay_resume()")

    def log_tail(self, lines: int = 30) -> str:
        log = self.directory / "postgres.log" if self.directory else None
        if not log or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    # --- running PostgreSQL's programs ----------------------------------------------------

    def _run(self, program: str, *args: str, timeout: float) -> None:
        assert self.bindir is not None
        command = [*run_as_postgres(), str(self.bindir / program), *args]
        env = {**os.environ}
        if self.primary.get("password"):
            env["PGPASSWORD"] = self.primary["password"]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, env=env, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise StandbyError(f"{program} did not finish in {timeout}s") from exc
        if result.returncode != 0:
            raise StandbyError(
                f"{program} failed:\n{result.stderr or result.stdout}\n{self.log_tail()}"
                f"\n{__doc__}"
            )

    def _stop_leftovers(self) -> None:
        """Stop and delete the standbys a killed run of this suite left behind."""
        for directory in Path(tempfile.gettempdir()).glob(f"{self.prefix}*"):
            if (directory / "data" / "postmaster.pid").exists():
                stop_cluster(directory / "data")
            shutil.rmtree(directory, ignore_errors=True)

    def _own(self, path: Path) -> None:
        """PostgreSQL refuses to run as root: as root, its files belong to postgres."""
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(path, postgres.pw_uid, postgres.pw_gid)


def stop_cluster(data: Path) -> None:
    """Stop the cluster in data: fast (sessions are ended), else immediately."""
    major = int((data / "PG_VERSION").read_text().strip())
    pg_ctl = str(find_bindir(major) / "pg_ctl")
    for mode in ("fast", "immediate"):
        command = [*run_as_postgres(), pg_ctl, "-D", str(data), "-m", mode, "-w", "stop"]
        if subprocess.run(command, capture_output=True, timeout=70, check=False).returncode == 0:
            return


def run_as_postgres() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise StandbyError("Running as root, and there is no postgres user to run as.") from exc
    return ["runuser", "-u", "postgres", "--"]


def find_bindir(major: int) -> Path:
    """PostgreSQL's server programs of this major version (a standby must match its primary)."""
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin")]
    if pg_config := shutil.which("pg_config"):
        output = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout
        candidates.append(Path(output.strip()))
    if pg_ctl := shutil.which("pg_ctl"):
        candidates.append(Path(pg_ctl).resolve().parent)
    for bindir in candidates:
        if (bindir / "pg_ctl").exists() and (bindir / "pg_basebackup").exists():
            version = subprocess.run(
                [str(bindir / "postgres"), "--version"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            if f" {major}." in version:
                return bindir
    raise StandbyError(
        f"PostgreSQL {major}'s server programs (pg_basebackup, pg_ctl, postgres) are not "
        f"installed here; the primary runs PostgreSQL {major}.\n{__doc__}"
    )
