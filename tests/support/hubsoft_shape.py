"""The shape of HubSoft's example answers, to hold ours against.

``hubsoft_examples.json`` restates, for each support and finance route of
HubSoft's public Postman collection (repository ``hubsoftbrasil/api``, file
``Postman Collections/postman_doc.json``), its query and body keys and every
key path of its example answer with the type of the example's value (and the
date form, or the example value of a few vocabulary fields). Clients parse
those answers literally, so a test of one of our routes checks that our answer
has every path, with that type.

A ``null`` in HubSoft's example says nothing of the type: only the key must be
there. Where we hold no such data (network equipment, connection records...)
a test names the path in ``unknown`` with the reason; the path (and what is
under it) may then be null, and must still be present; a list named there
may be empty (the key, with its list type, is still required).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EXAMPLES: dict[str, Any] = json.loads((Path(__file__).with_name("hubsoft_examples.json")).read_text("utf-8"))

DATE_FORMS = {
    "dd/mm/aaaa": re.compile(r"^\d{2}/\d{2}/\d{4}$"),
    "dd/mm/aaaa hh:mm[:ss]": re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}(:\d{2})?$"),
    "aaaa-mm-dd": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "aaaa-mm-dd hh:mm:ss": re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"),
}
_MISSING = object()
_EMPTY = "__EMPTY_LIST__"


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "null":
        return True
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    raise ValueError(f"unknown type {kind!r} in hubsoft_examples.json")


def _values(answer: Any, path: str) -> list[tuple[str, Any]]:
    """Every (concrete path, value) the key path names; a value of _MISSING when a key is absent."""
    found: list[tuple[str, Any]] = [("", answer)]
    for segment in path.split("."):
        many = segment.endswith("[]")
        key = segment[:-2] if many else segment
        step: list[tuple[str, Any]] = []
        for where, value in found:
            here = f"{where}.{key}" if where else key
            if value is _EMPTY:
                step.append((where, value))  # named once, where the list is
            elif value is _MISSING or value is None:
                step.append((here, value))
            else:
                _descend(step, here, value, key, many)
        found = step
    return found


def _descend(step: list[tuple[str, Any]], here: str, value: Any, key: str, many: bool) -> None:
    child = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
    if not many or child is _MISSING or child is None:
        step.append((here, child))
    elif not isinstance(child, list) or not child:
        step.append((f"{here}[]", _EMPTY if isinstance(child, list) else child))
    else:
        step.extend((f"{here}[{i}]", item) for i, item in enumerate(child))


def shape_problems(route: str, answer: Any, unknown: Mapping[str, str] | None = None) -> list[str]:
    """What of HubSoft's example for ``route`` (``"GET cliente/financeiro"``) our ``answer`` lacks."""
    unknown = unknown or {}
    problems: list[str] = []
    for entry in EXAMPLES[route]["answer"]:
        path = entry["path"]
        exempt = any(path == u or path.startswith(u + ".") or path.startswith(u + "[]") for u in unknown)
        for where, value in _values(answer, path):
            problem = _problem(entry, where, value, exempt)
            if problem:
                problems.append(problem)
    return list(dict.fromkeys(problems))  # an empty list is named once, not once per path under it


def _problem(entry: Mapping[str, Any], where: str, value: Any, exempt: bool) -> str | None:
    """What is wrong with one value of the answer at the example's key path (None: nothing)."""
    kind = entry["type"]
    if value is _MISSING:
        return f"{where}: ausente"
    if value is _EMPTY or value is None:
        if exempt or (value is None and kind == "null"):
            return None  # data we never hold (an empty list or null), or null as in the example
        return f"{where}: lista vazia (monte dados que a preencham)" if value is _EMPTY else \
            f"{where}: null, esperado {kind}"
    if not _type_ok(kind, value):
        return f"{where}: {type(value).__name__} {value!r}, esperado {kind}"
    if "format" in entry and not DATE_FORMS[entry["format"]].match(value):
        return f"{where}: {value!r} fora da forma {entry['format']}"
    if entry["path"] == "status" and "example" in entry and value != entry["example"]:
        return f"status: {value!r}, o HubSoft responde {entry['example']!r}"
    return None


def assert_hubsoft_shape(route: str, answer: Any, unknown: Mapping[str, str] | None = None) -> None:
    problems = shape_problems(route, answer, unknown)
    assert not problems, f"{route}: a resposta difere do exemplo do HubSoft em:\n" + "\n".join(problems)
