"""One translation of PynamoDB failures: the only module that reads DynamoDB's error codes.

Repositories ask in their own words: did a single conditional write lose
(``condition_failed``; ``written`` makes one and answers whether it won), did a transaction lose any of its conditions
(``lost_condition``), which of its labelled items lost theirs
(``failed_conditions``), or did it collide with another transaction
(``conflicted``). They then raise the domain's errors.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

# A single write's error code (PutItem, UpdateItem, DeleteItem) when its condition was false.
CONDITION_FAILED = "ConditionalCheckFailedException"
# The same, as the cancellation reason of one item of TransactWriteItems.
ITEM_CONDITION_FAILED = "ConditionalCheckFailed"
# An item of the transaction was being changed by another transaction at the same moment.
ITEM_CONFLICT = "TransactionConflict"

Label = TypeVar("Label")


def condition_failed(error: Exception) -> bool:
    """True when a conditional write lost (the invariant held, nothing changed)."""
    if isinstance(error, (PutError, UpdateError, DeleteError)):
        return error.cause_response_code == CONDITION_FAILED
    return False


def written(write: Callable[[], object]) -> bool:
    """Make one conditional write (``write``: a save, update or delete); False when its condition was false
    (nothing changed)."""
    try:
        write()
    except (PutError, UpdateError, DeleteError) as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def lost_condition(error: TransactWriteError) -> bool:
    """A cancelled transaction lost one of its conditions (rather than to throttling or a conflict)."""
    return ITEM_CONDITION_FAILED in _reasons(error)


def failed_conditions(error: TransactWriteError, labels: Sequence[Label]) -> list[Label]:
    """The labels of the items whose condition cancelled the transaction, in ``labels``' order.

    ``labels`` names the items in the order DynamoDB answers their reasons (the order PynamoDB sends them:
    see ``binding.LabelledTransaction``).
    """
    return [label for label, code in zip(labels, _reasons(error), strict=False) if code == ITEM_CONDITION_FAILED]


def conflicted(error: TransactWriteError) -> bool:
    """Another transaction was changing one of the items: nothing is wrong, the same write may succeed again."""
    return ITEM_CONFLICT in _reasons(error)


def _reasons(error: TransactWriteError) -> list[str]:
    """Per-item codes of a cancelled transaction (``"None"`` where the item was fine)."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return [(reason.code if reason else "None") for reason in reasons]
