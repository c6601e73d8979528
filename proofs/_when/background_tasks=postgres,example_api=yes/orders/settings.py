"""The jobs proofs' settings, and a middleware that crashes a web worker on request."""

from tests.proofs.jobs.settings import *  # noqa: F403
from tests.proofs.jobs.settings import MIDDLEWARE

MIDDLEWARE = ["tests.proofs.orders.crash.CrashAfterCommitMiddleware", *MIDDLEWARE]
