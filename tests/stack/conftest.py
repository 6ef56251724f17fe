"""The stack tier: the product as a user runs it, ``python -m sandbox serve`` as a real process, over HTTP.

Every test here is marked ``stack`` (``-m "not stack"`` leaves them out) and gets ``local_stack``, one running
stack per module (``tests/support/stack.py``).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.stack import no_extra_env, serve_local_stack

HERE = Path(__file__).resolve().parent

local_stack = pytest.fixture(scope="module", name="local_stack")(serve_local_stack)
stack_extra_env = pytest.fixture(scope="module", name="stack_extra_env")(no_extra_env)


@pytest.hookimpl(tryfirst=True)  # before -m selects on the markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.stack)
