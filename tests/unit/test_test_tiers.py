"""The test tiers stay apart. Only ``tests/stack`` and ``tests/browser`` start the local stack (a real process,
seconds to start, minutes for the tier), so ``./dev test unit|integration|functional`` stay fast; and every test
in ``tests/stack`` is marked ``stack``, so ``-m "not stack"`` leaves the whole tier out."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.stack import conftest as stack_tier

TESTS = Path(__file__).resolve().parents[1]
STACK_TIERS = (TESTS / "stack", TESTS / "browser")
STACK_FIXTURE = TESTS / "support" / "stack.py"
# Modules whose import means starting the stack: the fixture's and the product's own entry points; and the stack
# tier's test modules (their helpers talk to a running stack).
STACK_MODULES = ("tests.support.stack", "sandbox.stack", "sandbox.cli", "sandbox.__main__")
STACK_TESTS = "tests.stack.test_"
SANDBOX_COMMAND = "-m sandbox".split()  # as a command line runs it: [sys.executable, "-m", "sandbox", "serve"]


def is_stack_module(name: str) -> bool:
    return name.startswith(STACK_TESTS) or any(name == m or name.startswith(f"{m}.") for m in STACK_MODULES)


def starts_the_stack(source: str) -> list[str]:
    """What in ``source`` starts the local stack (or needs it running): an import of one of ``STACK_MODULES``,
    a command line ``... -m sandbox ...`` (serve, or a tick sent to a running stack), the ``local_stack`` fixture."""
    found = []
    for node in ast.walk(ast.parse(source)):
        imported: list[str] = []
        if isinstance(node, ast.Import):
            imported = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:  # from tests.support import stack: the module too
            imported = [node.module] if is_stack_module(node.module) else [
                f"{node.module}.{alias.name}" for alias in node.names]
        found += [f"import {name}" for name in imported if is_stack_module(name)]
        if isinstance(node, ast.List | ast.Tuple):
            words = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if any(words[i:i + 2] == SANDBOX_COMMAND for i in range(len(words) - 1)):
                found.append(f"command line {words}")
        if isinstance(node, ast.arg) and node.arg == "local_stack":
            found.append("fixture local_stack")
    return found


def test_only_the_stack_and_browser_tiers_start_the_local_stack() -> None:
    elsewhere = {str(path.relative_to(TESTS)): found for path in sorted(TESTS.rglob("*.py"))
                 if path != STACK_FIXTURE and not any(path.is_relative_to(tier) for tier in STACK_TIERS)
                 if (found := starts_the_stack(path.read_text(encoding="utf-8")))}
    assert elsewhere == {}, "mova estes testes para tests/stack (ou tests/browser)"


@pytest.mark.parametrize("source", [
    "import subprocess, sys\nsubprocess.Popen([sys.executable, '-m', 'sandbox', 'serve'])",
    "import subprocess\nsubprocess.run(('python3', '-m', 'sandbox', 'tick', '--at', 'x'))",
    "from tests.support.stack import running_stack",
    "from tests.support import stack",
    "import tests.stack.test_local_stack",
    "from sandbox.stack import LocalStack",
    "from sandbox import cli",
    "def test_health(local_stack: object) -> None: ...",
])
def test_each_way_of_starting_the_stack_is_seen(source: str) -> None:
    assert starts_the_stack(source)


@pytest.mark.parametrize("source", [
    "from sandbox.aws import LocalAws, free_port",
    "from sandbox.simulators.cielo import CieloSimulator",
    "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'import app'])",
    '"""Compared with what ``python -m sandbox serve`` runs on."""',
    "def test_health(stack: object) -> None: ...",
])
def test_what_does_not_start_the_stack_passes(source: str) -> None:
    assert starts_the_stack(source) == []


@dataclass
class Collected:
    """What the stack tier's collection hook reads and changes of a collected test."""

    path: Path
    markers: list[str] = field(default_factory=list)

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker.name)


def test_every_test_in_the_stack_tier_is_marked_stack() -> None:
    modules = sorted((TESTS / "stack").rglob("test_*.py"))
    outside = [TESTS / "functional" / "test_smoke.py", TESTS / "unit" / "test_test_tiers.py"]
    items = [Collected(path) for path in modules + outside]
    stack_tier.pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert modules
    assert {i.path.name: i.markers for i in items} == {
        **{path.name: ["stack"] for path in modules}, **{path.name: [] for path in outside}}
