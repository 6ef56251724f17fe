"""The local stack as a user runs it (``python -m sandbox serve``, a real process on free ports), for the two
tiers that test it that way: ``tests/stack`` and ``tests/browser``.

Each of their conftests registers the fixture ``local_stack`` from ``serve_local_stack`` with the scope it needs
(a stack per module in ``tests/stack``, one for the session in ``tests/browser``), and ``stack_extra_env`` (no
extra variables) that a module overrides to start its stack with more. No other tier starts the stack:
``tests/unit/test_test_tiers.py`` checks it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.aws import free_port

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"grant_type": "password", "client_id": "1", "client_secret": "segredo-local",
               "username": "admin", "password": "admin12345"}


@dataclass
class RunningStack:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    state: dict[str, Any]


def stack_env(tmp: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PORT=str(port), SANDBOX_STATE_DIR=str(tmp), PASSWORD_HASH_PROFILE="fast",
               SANDBOX_RETRY_SECONDS="0.5", PYTHONUNBUFFERED="1")
    for name in ("ADMIN_USERNAME", "ADMIN_PASSWORD", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET"):
        env.pop(name, None)
    return env


def start(env: dict[str, str], log: Path | None = None) -> subprocess.Popen[str]:
    """The stack as a process; a long-lived one writes to ``log``: a pipe nobody reads fills up
    (about 64 KB of log lines) and then blocks the stack."""
    output = log.open("w") if log is not None else subprocess.PIPE
    return subprocess.Popen([sys.executable, "-m", "sandbox", "serve"], cwd=ROOT, env=env, text=True,
                            stdout=output, stderr=subprocess.STDOUT)


@contextmanager
def running_stack(tmp: Path, **extra_env: str) -> Iterator[RunningStack]:
    """``python -m sandbox serve`` on a free port, its log in ``tmp/stack.log``, until the block ends."""
    port = free_port()
    env = {**stack_env(tmp, port), **extra_env}
    log = tmp / "stack.log"
    process = start(env, log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/health", timeout=1).ok and (tmp / "run.json").exists():
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            pytest.fail(f"a pilha local não subiu:\n{log.read_text()}")
        time.sleep(0.2)
    try:
        yield RunningStack(url, env, process, json.loads((tmp / "run.json").read_text()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def no_extra_env() -> dict[str, str]:
    """``stack_extra_env``: variables added to the stack's environment (a module overrides the fixture to add
    some, as the schema fuzzer does with its own admin and OAuth client)."""
    return {}


def serve_local_stack(tmp_path_factory: pytest.TempPathFactory,
                      stack_extra_env: dict[str, str]) -> Iterator[RunningStack]:
    """``local_stack``: the running stack, its log in a file (hundreds of requests would fill a pipe)."""
    with running_stack(tmp_path_factory.mktemp("stack"), **stack_extra_env) as running:
        yield running


def token(stack: RunningStack) -> str:
    return str(requests.post(f"{stack.url}/oauth/token", json=CREDENTIALS, timeout=10).json()["access_token"])
