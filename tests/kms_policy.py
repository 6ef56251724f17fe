"""What AWS would decide for the application's calls to its KMS key, which moto does not: moto's KMS
evaluates neither key policies (only a Deny on DescribeKey) nor IAM policies.

The decision follows the cloud: a sealing call is allowed when the key's policy (``infra.definition``)
and the functions' role policy (``.chalice/policy-<stage>.json``) both allow it, each by an Allow
statement whose every condition holds and with no Deny that applies. Only the condition operators
those policies use are known here; another one fails loudly instead of being taken as true.

``enforce()`` makes every boto3 session of the test run refuse, as KMS would (AccessDeniedException),
a GenerateDataKey or Decrypt whose encryption context the policies do not admit, so every test that
seals or opens a value through the application checks the policies against what it really sends.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infra.definition import KEYS, SEALING_ACTIONS, KeyDefinition, key_policy

ROLE_POLICY = Path(__file__).resolve().parents[1] / ".chalice" / "policy-prod.json"
# The request's condition keys and their values (multi-valued ones as lists).
RequestValues = Mapping[str, Sequence[str]]


def request_values(context: Mapping[str, str], aliases: Sequence[str] = ()) -> dict[str, list[str]]:
    """The condition keys KMS fills in for a call with ``context`` on a key with ``aliases``."""
    values = {f"kms:EncryptionContext:{key}": [value] for key, value in context.items()}
    if context:  # absent, not empty, when the call carries no context
        values["kms:EncryptionContextKeys"] = list(context)
    if aliases:
        values["kms:ResourceAliases"] = list(aliases)
    return values


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _holds(operator: str, key: str, expected: str | Sequence[str], request: RequestValues) -> bool:
    wanted = _as_list(expected)
    present = request.get(key)
    if operator == "Null":
        [flag] = wanted
        return (present is None) == (flag == "true")
    if operator == "StringEquals":  # a single-valued key
        return present is not None and len(present) == 1 and present[0] in wanted
    if operator == "ForAllValues:StringEquals":  # vacuously true without the key: why policies pair it with Null
        return all(value in wanted for value in present or [])
    if operator == "ForAnyValue:StringEquals":
        return any(value in wanted for value in present or [])
    raise AssertionError(f"operador de condição desconhecido aqui: {operator}")


def _applies(statement: Mapping[str, Any], action: str, request: RequestValues) -> bool:
    if action not in _as_list(statement["Action"]) and "kms:*" not in _as_list(statement["Action"]):
        return False
    conditions: Mapping[str, Mapping[str, Any]] = statement.get("Condition", {})
    return all(_holds(operator, key, expected, request)
               for operator, keys in conditions.items() for key, expected in keys.items())


def allows(policy: Mapping[str, Any], action: str, request: RequestValues) -> bool:
    """An Allow applies and no Deny does (principals and resources are taken as matching)."""
    applying = [s for s in policy["Statement"] if _applies(s, action, request)]
    return any(s["Effect"] == "Allow" for s in applying) and not any(s["Effect"] == "Deny" for s in applying)


def role_policy() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(ROLE_POLICY.read_text(encoding="utf-8"))
    return loaded


def sealing_allowed(key: KeyDefinition, action: str, context: Mapping[str, str]) -> bool:
    """Whether the functions' role may make ``action`` on ``key`` with ``context``."""
    request = request_values(context, [key.alias])
    return allows(key_policy(key), action, request) and allows(role_policy(), action, request)


def _refuse_what_policies_refuse(params: dict[str, Any], model: Any, **_: Any) -> None:
    from botocore.exceptions import ClientError

    action = f"kms:{model.name}"
    context = params.get("EncryptionContext") or {}
    key_id = params.get("KeyId")
    # A Decrypt names no key (the ciphertext does): then any of ours that admits it.
    keys = [k for k in KEYS if key_id == k.alias] or list(KEYS)
    if not any(sealing_allowed(key, action, context) for key in keys):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": (
            f"{action} with encryption context {sorted(context)} is not allowed by the key policy "
            "or the role's policy (tests/kms_policy.py)")}}, model.name)


def enforce() -> None:
    """Every botocore session created from now on refuses what the policies refuse (idempotent)."""
    from botocore import handlers

    for operation in (action.removeprefix("kms:") for action in SEALING_ACTIONS):
        entry = (f"before-parameter-build.kms.{operation}", _refuse_what_policies_refuse)
        if entry not in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.append(entry)
