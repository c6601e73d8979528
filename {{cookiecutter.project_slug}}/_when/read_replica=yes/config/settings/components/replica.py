"""A streaming read replica: reads go to it, writes to the primary.

The router that decides is in core/replica/router.py. Without DATABASE_REPLICA_URL there is no
"replica" alias and every query goes to the primary, so the same image runs with or without a
replica.
"""

import environ

from config.settings.components.database import DATABASES as PRIMARY_DATABASES

env = environ.Env()

REPLICA = "replica"

# libpq's smallest timeout (it reads 1 as 2): a replica that black-holes packets costs a read
# that was sent to it as it went down 2 s, instead of the minutes a TCP connect can hang.
REPLICA_CONNECT_TIMEOUT = 2


def replica_database(url: str) -> dict:
    """The primary's settings (connection reuse included), pointed at the replica in url."""
    primary = PRIMARY_DATABASES["default"]
    # The URL sets Django's own backend as ENGINE: the primary's is kept.
    replica = {**primary, **env.db_url_config(url), "ENGINE": primary["ENGINE"]}
    options = {**primary.get("OPTIONS", {}), **replica.get("OPTIONS", {})}
    options["connect_timeout"] = REPLICA_CONNECT_TIMEOUT
    if isinstance(options.get("pool"), dict):
        # The pool has a connection for every thread and one for the router's probe, so a
        # checkout only waits when the replica cannot be reached: give up as fast as a connect
        # would.
        pool = options["pool"]
        options["pool"] = {
            **pool,
            "min_size": pool["min_size"] + 1,
            "max_size": pool["max_size"] + 1,
            "timeout": REPLICA_CONNECT_TIMEOUT,
        }
    replica["OPTIONS"] = options
    # Tests read the primary's test database through the replica; nothing is created on it.
    replica["TEST"] = {"MIRROR": "default"}
    return replica


DATABASES = {"default": PRIMARY_DATABASES["default"]}
if replica_url := env("DATABASE_REPLICA_URL", default=""):
    DATABASES[REPLICA] = replica_database(replica_url)

DATABASE_ROUTERS = ["{{ cookiecutter.project_slug }}.core.replica.router.PrimaryReplicaRouter"]

# A replica that has not answered the router's probe for this long gets no reads until it
# answers again. Each web process probes it twice per timeout while it serves reads.
REPLICA_TIMEOUT_SECONDS = env.float("DATABASE_REPLICA_TIMEOUT_SECONDS", default=1)

# Read-your-writes across requests: after a write, the same client reads from the primary for
# this long. A healthy standby replays within milliseconds and lags a second or two under
# heavy writes; 5 s covers that with a margin. 0 turns it off.
READ_YOUR_WRITES_SECONDS = env.int("READ_YOUR_WRITES_SECONDS", default=5)
# The signed token travels in this cookie (browsers) and this response header (API clients send
# it back as a request header). An empty name turns that carrier off.
READ_YOUR_WRITES_COOKIE = env("READ_YOUR_WRITES_COOKIE", default="primary_reads")
READ_YOUR_WRITES_HEADER = env("READ_YOUR_WRITES_HEADER", default="X-Primary-Reads")

__all__ = [
    "DATABASES",
    "DATABASE_ROUTERS",
    "READ_YOUR_WRITES_COOKIE",
    "READ_YOUR_WRITES_HEADER",
    "READ_YOUR_WRITES_SECONDS",
    "REPLICA_TIMEOUT_SECONDS",
]
