"""Structured logs, correlation ids and business metrics, for the entry points.

Owns the correlation id of the work in hand (a context variable: one per HTTP
request, per queue message on the thread that handles it, per tick), the
logging filter that stamps it on every record of the ``chalicelib`` loggers,
the JSON log handler used in Lambda (Powertools' formatter), and the metrics
recorders behind the ``ports.Metrics`` port (CloudWatch EMF through
Powertools in Lambda; counts logged at DEBUG elsewhere).

Powertools is imported only inside functions: it imports botocore (about
40 ms), and every Lambda function imports ``app`` on a cold start before it
needs either (bench/import_time.py). No AWS client is created here: EMF is a
line on stdout that CloudWatch Logs turns into metrics.
"""
from __future__ import annotations

import logging
import os
import re
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import IO, Any

SERVICE = "isp-backend"
NAMESPACE = "IspBackend"
ENV_SERVICE = "POWERTOOLS_SERVICE_NAME"
ENV_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
ROOT_LOGGER = "chalicelib"
REQUEST_ID_HEADER = "X-Request-Id"
# The headers a client may send its own id in (lower case, as the endpoint keys them), first wins.
CLIENT_ID_HEADERS = ("x-request-id", "x-correlation-id")
# SQS message attribute carrying the producer's correlation id to the consumer.
CORRELATION_ATTRIBUTE = "correlation_id"
# A client's id is written to our logs and echoed in a header: short, and nothing that could forge a log
# line or a header (no spaces, quotes, newlines).
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Keys added to every log record: a context variable, so each request, and each message on its pool
# thread, sees its own (Powertools' ``append_keys`` is one dict shared by every thread).
_keys: ContextVar[Mapping[str, Any]] = ContextVar("observability_log_keys", default=MappingProxyType({}))


# ------------------------------------------------------------ correlation ids
def valid_correlation_id(value: str | None) -> bool:
    return bool(value) and _SAFE_ID.match(value or "") is not None


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def correlation_id() -> str | None:
    """The correlation id of the request, message or tick this thread is working on."""
    value = _keys.get().get("correlation_id")
    return str(value) if value is not None else None


def request_correlation_id(headers: Mapping[str, str], gateway_request_id: str | None) -> str:
    """An HTTP request's id: the client's (when safe), else API Gateway's, else a new one."""
    for name in CLIENT_ID_HEADERS:
        sent = headers.get(name)
        if valid_correlation_id(sent):
            return str(sent)
    if valid_correlation_id(gateway_request_id):
        return str(gateway_request_id)
    return new_correlation_id()


def message_correlation_id(record: Mapping[str, Any]) -> str:
    """An SQS record's id: the producer's (message attribute), else the record's messageId."""
    attributes = record.get("messageAttributes") or {}
    carried = (attributes.get(CORRELATION_ATTRIBUTE) or {}).get("stringValue")
    if valid_correlation_id(carried):
        return str(carried)
    message_id = record.get("messageId")
    return str(message_id) if valid_correlation_id(message_id) else new_correlation_id()


@contextmanager
def log_keys(**keys: Any) -> Iterator[None]:
    """Add ``keys`` to every log record of this thread (and its context) inside the block."""
    token = _keys.set(MappingProxyType({**_keys.get(), **{k: v for k, v in keys.items() if v is not None}}))
    try:
        yield
    finally:
        _keys.reset(token)


def correlated(cid: str) -> AbstractContextManager[None]:
    """``with correlated(cid):`` every log line and every message published inside carries ``cid``."""
    return log_keys(correlation_id=cid)


class ContextFilter(logging.Filter):
    """Copies the context's keys onto each record (an explicit ``extra=`` wins), so any formatter can show
    them: Powertools' JSON formatter emits every extra attribute as a key."""

    def __init__(self, default_correlation_id: str | None = None) -> None:
        super().__init__()
        self._default = default_correlation_id

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _keys.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        if self._default is not None and not hasattr(record, "correlation_id"):
            record.correlation_id = self._default  # plain-text formats name it: never missing
        return True


_cold_start = True


def lambda_context_keys(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware (every function): the invocation's Lambda keys on its log lines."""
    global _cold_start
    context = getattr(event, "lambda_context", None) or getattr(event, "context", None)
    cold, _cold_start = _cold_start, False
    with log_keys(function_name=getattr(context, "function_name", None),
                  function_request_id=getattr(context, "aws_request_id", None), cold_start=cold):
        return get_response(event)


# -------------------------------------------------------------------- logs
def service_name(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(ENV_SERVICE) or SERVICE


def configure_json_logging(level: str | int, stream: IO[str] | None = None) -> logging.Handler:
    """Every ``chalicelib`` logger writes one JSON object per line (Lambda): Powertools' formatter with
    the service, the logger's name and the context's keys (correlation id, Lambda request id).

    The ``chalicelib`` logger stops propagating: Lambda's root handler would print each line again as
    text. Calling it again replaces the handler (tests install their own stream).
    """
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(LambdaPowertoolsFormatter(service=service_name(), name="%(name)s", utc=True,
                                                   use_rfc3339=True))
    handler.addFilter(ContextFilter())
    handler.set_name("chalicelib-json")
    root = logging.getLogger(ROOT_LOGGER)
    for previous in [h for h in root.handlers if h.get_name() == "chalicelib-json"]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    return handler


def remove_json_logging(handler: logging.Handler) -> None:
    """Undo ``configure_json_logging`` (tests)."""
    root = logging.getLogger(ROOT_LOGGER)
    root.removeHandler(handler)
    root.setLevel(logging.NOTSET)
    root.propagate = True


# ----------------------------------------------------------------- metrics
class PowertoolsMetrics:
    """Counts in memory and, on ``flush``, prints them as one CloudWatch EMF document through Powertools:
    CloudWatch Logs extracts the metrics, with no PutMetricData call per count.

    Counts are summed under a lock: a batch's messages are handled on several threads, and Powertools'
    metric set is a plain dict that also prints by itself past 100 values.
    """

    def __init__(self, namespace: str | None = None, service: str | None = None) -> None:
        self._namespace = namespace or os.environ.get(ENV_NAMESPACE) or NAMESPACE
        self._service = service or service_name()
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    def flush(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if not counts:
            return  # no empty document (Powertools would warn)
        from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

        emf = EphemeralMetrics(namespace=self._namespace, service=self._service)
        for name, value in sorted(counts.items()):
            emf.add_metric(name=name, unit=MetricUnit.Count, value=value)
        emf.flush_metrics()  # stdout; POWERTOOLS_METRICS_DISABLED=true silences it


class LoggedMetrics:
    """The local stack's and the tests' recorder: each count is a DEBUG log line, nothing on stdout."""

    def __init__(self) -> None:
        self._logger = logging.getLogger(__name__)

    def count(self, name: str) -> None:
        self._logger.debug("métrica %s +1", name, extra={"metric": name})

    def flush(self) -> None:
        return None
