"""An order's confirmation goes out in the background, once the order has committed."""

from {{ cookiecutter.project_slug }}.core.jobs import defer

from .tasks import confirm_order


def request_confirmation(order_id: int) -> None:
    """Queue the confirmation in the caller's transaction: no order, no job (one query)."""
    defer(confirm_order, order_id=order_id)
