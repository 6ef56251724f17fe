"""The locks (requirements.txt, requirements-dev.txt) hold every dependency with hashes and agree
with the direct pins of the .in files they are compiled from (`./dev lock`)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_pins(path: Path) -> dict[str, str]:
    """The ``name==version`` lines of a .in file, following its ``-r`` includes."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(direct_pins(path.parent / line[3:].strip()))
        elif line:
            match = PIN.match(line)
            assert match, f"{path.name}: {line!r} não está fixado com =="
            pins[normalized(match[1])] = match[2]
    return pins


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """Each requirement of a lock: its version and how many hashes it carries."""
    entries: dict[str, tuple[str, int]] = {}
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: {line[:80]!r} não é um pino com =="
        entries[normalized(match[1])] = (match[2], line.count("--hash=sha256:"))
    return entries


@pytest.mark.parametrize("source, lock", [("requirements.in", "requirements.txt"),
                                          ("requirements-dev.in", "requirements-dev.txt")])
def test_every_locked_requirement_has_hashes_and_every_direct_pin_is_locked(source: str, lock: str) -> None:
    entries = locked(ROOT / lock)
    assert entries and all(hashes for _, hashes in entries.values()), [
        name for name, (_, hashes) in entries.items() if not hashes]
    for name, version in direct_pins(ROOT / source).items():
        assert entries.get(name, ("ausente",))[0] == version, f"{name}=={version} de {source} em {lock}"


def test_the_runtime_lock_and_the_dev_lock_agree() -> None:
    runtime, dev = locked(ROOT / "requirements.txt"), locked(ROOT / "requirements-dev.txt")
    assert {name: version for name, (version, _) in runtime.items()} == {
        name: dev[name][0] for name in runtime if name in dev}
    assert set(runtime) <= set(dev)


def test_dev_installs_only_from_the_lock_with_hashes() -> None:
    script = (ROOT / "dev").read_text(encoding="utf-8")
    installs = [line for line in script.splitlines() if "pip install" in line and "-r " in line]
    assert installs and all("--require-hashes -r requirements-dev.txt" in line for line in installs)
