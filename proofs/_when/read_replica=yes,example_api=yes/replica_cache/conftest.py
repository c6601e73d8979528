# The catalog's fixtures, and the read-replica proofs' standby, replica alias and unit of work.
from tests.catalog.conftest import (  # noqa: F401
    anonymous,
    categories,
    editor,
    make_products,
    staff,
    tags,
)
from tests.proofs.replica.test_read_replica import (  # noqa: F401
    _new_unit_of_work,
    replica,
    standby,
)
