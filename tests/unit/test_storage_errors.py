"""One translation of DynamoDB's errors (``storage.errors``): the only module that reads their codes, and what it
answers for a cancelled transaction whose items are labelled."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import CancellationReason, PutError, TransactWriteError, VerboseClientError

from chalicelib.storage.errors import (
    CONDITION_FAILED,
    ITEM_CONDITION_FAILED,
    ITEM_CONFLICT,
    condition_failed,
    conflicted,
    failed_conditions,
    lost_condition,
)

REPO = Path(__file__).resolve().parents[2]
ERRORS = REPO / "chalicelib" / "storage" / "errors.py"
# Every Python file that ships or runs the product (tests build their errors from the constants).
SOURCES = [REPO / "app.py", *(p for d in ("chalicelib", "sandbox", "ops", "infra", "bench")
                              for p in (REPO / d).rglob("*.py"))]
CODES = re.compile(r"ConditionalCheckFailed|TransactionConflict")


def cancelled(*codes: str | None) -> TransactWriteError:
    """A TransactWriteItems cancellation as PynamoDB raises it: one reason per item, None where the item was fine."""
    reasons = [CancellationReason(code=code) if code else None for code in codes]
    cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
                               "TransactWriteItems", cancellation_reasons=reasons)
    return TransactWriteError("Failed to write transaction items", cause)


def test_no_module_but_storage_errors_names_dynamodbs_condition_codes() -> None:
    assert len(SOURCES) > 50 and ERRORS in SOURCES
    found = [f"{path.relative_to(REPO)}:{n}" for path in SOURCES if path != ERRORS
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if CODES.search(line)]
    assert found == [], "ask chalicelib.storage.errors (failed_conditions, lost_condition, conflicted) instead"


def test_the_labelled_items_whose_condition_failed_in_their_order() -> None:
    error = cancelled(None, ITEM_CONDITION_FAILED, None, ITEM_CONDITION_FAILED)
    assert failed_conditions(error, ["card", "wallet", "seed", "count"]) == ["wallet", "count"]
    assert failed_conditions(error, ["card", "wallet"]) == ["wallet"]  # labels for fewer items: only those
    assert lost_condition(error) and not conflicted(error)


def test_a_conflict_or_a_throttle_is_no_lost_condition() -> None:
    conflict = cancelled(ITEM_CONFLICT, None)
    assert failed_conditions(conflict, ["os", "ticket"]) == [] and not lost_condition(conflict)
    assert conflicted(conflict)
    throttled = cancelled(None, "ThrottlingError")
    assert (failed_conditions(throttled, ["os", "ticket"]), lost_condition(throttled), conflicted(throttled)) == (
        [], False, False)


def test_an_error_without_reasons_names_no_item() -> None:
    bare = TransactWriteError("Failed to write transaction items", ClientError(
        {"Error": {"Code": "ValidationException", "Message": "two operations on one item"}}, "TransactWriteItems"))
    assert (failed_conditions(bare, ["os"]), lost_condition(bare), conflicted(bare)) == ([], False, False)


@pytest.mark.parametrize(("code", "lost"), [(CONDITION_FAILED, True), ("ProvisionedThroughputExceededException",
                                                                       False)])
def test_a_single_write_lost_its_condition_only_on_that_code(code: str, lost: bool) -> None:
    error = PutError("Failed to put item", ClientError({"Error": {"Code": code, "Message": "x"}}, "PutItem"))
    assert condition_failed(error) is lost
    assert condition_failed(RuntimeError(CONDITION_FAILED)) is False
