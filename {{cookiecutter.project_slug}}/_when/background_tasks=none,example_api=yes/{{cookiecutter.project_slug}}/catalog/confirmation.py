"""An order's confirmation, recorded with the order: this project has no job queue, so
anything slow here (an e-mail) would delay the response."""

from .models import OrderEvent


def request_confirmation(order_id: int) -> None:
    """Record the confirmation in the caller's transaction (one query)."""
    OrderEvent.record(order_id, OrderEvent.Kind.CONFIRMED)
