"""One translation of PynamoDB failures into the domain's errors."""
from __future__ import annotations

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

CONDITION_FAILED = "ConditionalCheckFailedException"


def condition_failed(error: Exception) -> bool:
    """True when a conditional write lost (the invariant held, nothing changed)."""
    if isinstance(error, (PutError, UpdateError, DeleteError)):
        return error.cause_response_code == CONDITION_FAILED
    return False


def cancelled_reasons(error: TransactWriteError) -> list[str]:
    """Per-item codes of a cancelled transaction (``"None"`` where the item was fine)."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return [(reason.code if reason else "None") for reason in reasons]


def lost_condition(error: TransactWriteError) -> bool:
    """A cancelled transaction lost one of its conditions (rather than to throttling or a conflict)."""
    return "ConditionalCheckFailed" in cancelled_reasons(error)
