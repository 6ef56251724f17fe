"""Point the models at the stage's tables; describe the tables for creation.

``table_definitions()`` is the one definition of every table: the local stack
creates tables from it and ``infra`` renders it into the CloudFormation
template of the cloud deploy.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.config import Settings, resource_name
from chalicelib.errors import ConflictError
from chalicelib.storage.errors import conflicted, failed_conditions, lost_condition
from chalicelib.storage.models import SCHEMA_MODELS

CONFLICT_ATTEMPTS = 3  # sends of a transaction that collided with another one (commit_labelled)
CONFLICT_PAUSE = 0.05  # seconds before the second send; the third waits twice as long

_bound: Settings | None = None
_transactions: Connection | None = None


@dataclass(frozen=True)
class TableDefinition:
    logical_name: str
    attribute_definitions: list[dict[str, str]]
    key_schema: list[dict[str, str]]
    global_secondary_indexes: list[dict[str, Any]]
    ttl_attribute: str | None
    stream_view_type: str | None = None

    @property
    def physical_name(self) -> str:
        return table_name(self.logical_name)


def table_name(logical_name: str) -> str:
    return resource_name(logical_name)


def bind_tables(settings: Settings) -> None:
    """Bind every model to its table, region and endpoint (idempotent)."""
    global _bound, _transactions
    for schema_model in SCHEMA_MODELS:
        meta = schema_model.Meta
        meta.table_name = table_name(meta.logical_name)  # type: ignore[attr-defined]
        meta.region = settings.region
        meta.host = settings.endpoint_url
        schema_model._connection = None  # drop a connection cached for another endpoint
        # Every item type of a table shares one connection (one botocore
        # client), instead of one client per model class on a cold start.
        shared = schema_model._get_connection()
        for model in _with_subclasses(schema_model):
            model._connection = shared
    _bound = settings
    _transactions = None


def transaction(token: str | None = None) -> TransactWrite:
    """A TransactWrite on the bound endpoint; ``token`` makes retries idempotent."""
    global _transactions
    if _bound is None:
        raise RuntimeError("bind_tables() must run before a transaction")
    if _transactions is None:
        _transactions = Connection(region=_bound.region, host=_bound.endpoint_url)
    return TransactWrite(connection=_transactions, client_request_token=token)


Label = TypeVar("Label")


class LabelledTransaction(Generic[Label]):
    """A TransactWrite whose items carry labels, so a cancelled one tells which item's condition failed
    (``errors.failed_conditions(error, txn.labels)``) instead of its callers counting positions.

    DynamoDB answers one cancellation reason per item in the order PynamoDB
    sends them (condition checks, deletes, puts, updates, each kind in the
    order added), so labels are kept per kind and joined in that order.
    """

    def __init__(self, token: str | None = None) -> None:
        self._txn = transaction(token)
        self._checks: list[Label] = []
        self._deletes: list[Label] = []
        self._puts: list[Label] = []
        self._updates: list[Label] = []

    @property
    def labels(self) -> list[Label]:
        return [*self._checks, *self._deletes, *self._puts, *self._updates]

    def condition_check(self, label: Label, model: type[Model], hash_key: str, range_key: str,
                        condition: Condition) -> None:
        self._txn.condition_check(model, hash_key, range_key, condition=condition)
        self._checks.append(label)

    def delete(self, label: Label, item: Model, condition: Condition | None = None) -> None:
        self._txn.delete(item, condition=condition)
        self._deletes.append(label)

    def save(self, label: Label, item: Model, condition: Condition | None = None) -> None:
        self._txn.save(item, condition=condition)
        self._puts.append(label)

    def update(self, label: Label, item: Model, actions: list[Action], condition: Condition | None = None) -> None:
        self._txn.update(item, actions=actions, condition=condition)
        self._updates.append(label)

    def __enter__(self) -> LabelledTransaction[Label]:
        self._txn.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc_val: BaseException | None,
                 exc_tb: TracebackType | None) -> None:
        """Commit, all or nothing, unless the block raised."""
        self._txn.__exit__(exc_type, exc_val, exc_tb)


def committed(write: Callable[[TransactWrite], None]) -> bool:
    """Run ``write`` in one transaction; False when one of its conditions failed (nothing was written)."""
    try:
        with transaction() as txn:
            write(txn)
    except TransactWriteError as exc:
        if lost_condition(exc):
            return False
        raise
    return True


@contextmanager
def refusing(label: str, refusal: Exception) -> Iterator[LabelledTransaction[str]]:
    """A labelled transaction, written all or nothing when the block ends; when the item labelled ``label``
    loses its condition, ``refusal`` (the domain's error) is raised instead."""
    txn: LabelledTransaction[str] = LabelledTransaction()
    try:
        with txn:
            yield txn
    except TransactWriteError as exc:
        if label in failed_conditions(exc, txn.labels):
            raise refusal from exc
        raise


def commit_labelled(write: Callable[[LabelledTransaction[Label]], None],
                    attempts: int = CONFLICT_ATTEMPTS) -> list[Label]:
    """Write what ``write`` puts in one labelled transaction: [] when it was written, else the labels of the items
    whose condition failed (nothing was written).

    A collision with another transaction on one of its items (``errors.conflicted``: e.g. two
    services created at once with the same suspension profile, whose count both move) is no refusal: the
    transaction is built and sent again, up to ``attempts`` times, and then reported as a ConflictError.
    """
    for attempt in range(1, attempts + 1):
        txn: LabelledTransaction[Label] = LabelledTransaction()
        try:
            with txn:
                write(txn)
        except TransactWriteError as exc:
            failed = failed_conditions(exc, txn.labels)
            if failed:
                return failed
            if not conflicted(exc):
                raise
            if attempt == attempts:
                raise ConflictError("Outra requisição alterava os mesmos dados ao mesmo tempo; tente de novo.") \
                    from exc
            time.sleep(CONFLICT_PAUSE * attempt)
            continue
        return []
    raise AssertionError("unreachable")  # pragma: no cover


def table_definitions() -> list[TableDefinition]:
    definitions = []
    for schema_model in SCHEMA_MODELS:
        schema = schema_model._get_schema()
        indexes = [
            {
                "IndexName": index["index_name"],
                "KeySchema": index["key_schema"],
                "Projection": index["projection"],
            }
            for index in schema["global_secondary_indexes"]
        ]
        definitions.append(TableDefinition(
            logical_name=schema_model.Meta.logical_name,  # type: ignore[attr-defined]
            attribute_definitions=[{k: str(v) for k, v in a.items()} for a in schema["attribute_definitions"]],
            key_schema=[{k: str(v) for k, v in key.items()} for key in schema["key_schema"]],
            global_secondary_indexes=indexes,
            ttl_attribute=schema_model.Meta.ttl_attribute,  # type: ignore[attr-defined]
            stream_view_type=schema_model.Meta.stream_view_type,  # type: ignore[attr-defined]
        ))
    return definitions


def _with_subclasses(model: type[Model]) -> list[type[Model]]:
    found = [model]
    for sub in model.__subclasses__():
        found.extend(_with_subclasses(sub))
    return found
