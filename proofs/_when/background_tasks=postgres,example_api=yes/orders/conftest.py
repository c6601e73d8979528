# The catalog's fixtures, and the real worker and empty queue of the jobs proofs.
from tests.catalog.conftest import categories, customer, make_products, tags  # noqa: F401
from tests.proofs.jobs.conftest import job_runs, worker, worker_pool  # noqa: F401
