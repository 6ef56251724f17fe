"""moto's server on loopback standing in for AWS, and the process settings that point at it."""
from __future__ import annotations

import functools
import logging
import os
import socket
import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler
from moto.server import ThreadedMotoServer

from sandbox.errors import StartupError

LOCAL_REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_SESSION_TOKEN": "sandbox",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def requested_port(name: str) -> int | None:
    """The port asked for in the environment variable ``name``; None means "any free port"."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StartupError(f"{name} inválida: {raw!r}. Use um número entre 1 e 65535.", exit_code=2)
    return int(raw)


def current_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or LOCAL_REGION


def point_environment_at(endpoint: str, region: str | None = None) -> None:
    """Make boto3, PynamoDB and ``load_settings`` talk to the local endpoint."""
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region or current_region()
    os.environ.setdefault("STAGE", "local")
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(name, None)
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]:
        os.environ.pop(name)  # a per-service endpoint would win over the local one


_DYNAMODB_REQUESTS = threading.Lock()


def serialize_dynamodb_requests() -> None:
    """Give moto's DynamoDB the isolation real DynamoDB guarantees.

    DynamoDB applies every request atomically and isolates transactions from
    one another; our capacity rules rely on that. moto's server answers
    requests on concurrent threads without a lock, and a TransactWriteItems
    whose condition fails restores a copy of the tables taken when it began,
    undoing what other threads wrote meanwhile (lost counter updates). One
    lock around each DynamoDB request restores the guarantee; racing threads
    still go through real HTTP and real conditional writes.
    """
    if getattr(DynamoHandler.call_action, "_serialized", False):
        return
    unlocked = DynamoHandler.call_action

    @functools.wraps(unlocked)
    def call_action(self: DynamoHandler, *args: Any, **kwargs: Any) -> Any:
        with _DYNAMODB_REQUESTS:
            return unlocked(self, *args, **kwargs)

    call_action._serialized = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


class LocalAws:
    """moto's threaded server; every service on one endpoint (port 0: a free one)."""

    def __init__(self, port: int = 0) -> None:
        serialize_dynamodb_requests()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.endpoint = ""

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def stop(self) -> None:
        if self.endpoint:
            self._server.stop()
