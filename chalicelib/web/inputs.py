"""Client input as HubSoft's Laravel stack reads it: query string, JSON body
and form body merged into one mapping (body wins), PHP-style keys expanded.

Real HubSoft clients send the same fields in all three places and in several
shapes (``tecnicos`` as a JSON array, as ``{"0": {"id": 5}}``, or as form keys
``tecnicos[0][id]=5``), so every route reads its input through here.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from chalicelib.errors import ValidationError
from chalicelib.input_rules import is_digits

MAX_BODY_BYTES = 1024 * 1024
MAX_KEY_DEPTH = 8
MAX_FIELDS = 2000
# Secrets go in the body only: a query string ends up in access logs, proxies and browser history. Refused at
# any depth of a PHP-style key (``credenciais[merchant_key]``) ...
SECRET_QUERY_FIELDS = frozenset({
    "password", "client_secret", "refresh_token", "secret", "merchant_key", "cvv", "codigo_seguranca",
})
# ... except the card's number, a secret only at the top: ``endereco_instalacao[numero]`` is an address.
CARD_NUMBER_FIELD = "numero"
SECRET_IN_QUERY_MSG = "Dado sigiloso na URL"

_KEY_PART = re.compile(r"\[([^\[\]]*)\]")


def merge_input(
    query: Iterable[tuple[str, str]],
    body: bytes | None,
    content_type: str | None,
) -> dict[str, Any]:
    """Merge the query pairs and the body into one dict (body keys win)."""
    query = list(query)
    _refuse_secrets_in_query(query)
    merged = expand_pairs(query)
    if body:
        if len(body) > MAX_BODY_BYTES:
            raise ValidationError(
                [f"O corpo da requisição excede o limite de {MAX_BODY_BYTES // 1024} KB."],
                message="Requisição muito grande",
            )
        _deep_merge(merged, _parse_body(body, content_type or ""))
    return merged


def _refuse_secrets_in_query(pairs: list[tuple[str, str]]) -> None:
    """Names the fields, never their values (the error is answered, and the value must not travel further)."""
    named = sorted({name for key, _ in pairs if (name := _secret_name(key))})
    if named:
        raise ValidationError(
            [f"O campo {name} não pode ser enviado na URL (query string): envie-o no corpo da requisição "
             "(JSON ou formulário)." for name in named],
            message=SECRET_IN_QUERY_MSG,
        )


def _secret_name(key: str) -> str | None:
    """Which secret the key holds (one of ours, never the client's text), if any."""
    head, _, rest = key.partition("[")
    names = [part.strip().lower() for part in (head, *_KEY_PART.findall("[" + rest))]
    if names[0] == CARD_NUMBER_FIELD:
        return CARD_NUMBER_FIELD
    return next((name for name in names if name in SECRET_QUERY_FIELDS), None)


def expand_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``[("a[0][id]", "5")]`` into ``{"a": {"0": {"id": "5"}}}``."""
    result: dict[str, Any] = {}
    for count, (key, value) in enumerate(pairs):
        if count >= MAX_FIELDS:
            raise ValidationError([f"A requisição tem mais de {MAX_FIELDS} campos."])
        _assign(result, _split_key(key), value)
    return result


def _split_key(key: str) -> list[str]:
    head, bracket, rest = key.partition("[")
    if not bracket or not head:
        return [key]
    parts = [head, *_KEY_PART.findall("[" + rest)]
    if len(parts) > MAX_KEY_DEPTH:
        raise ValidationError([f"O campo {head} tem aninhamento demais."])
    return parts


def _assign(target: dict[str, Any], path: list[str], value: str) -> None:
    node: Any = target
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if part == "":  # "a[]" appends; give it the next free numeric key
            part = str(sum(1 for k in node if is_digits(k)))
        if last:
            node[part] = value
            return
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child


def _parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    kind = content_type.lower()
    if "json" in kind or (not content_type and body.lstrip()[:1] in (b"{", b"[")):
        return _parse_json(body)
    if "x-www-form-urlencoded" in kind:
        return expand_pairs(parse_qsl(_decode(body), keep_blank_values=True))
    if "multipart/form-data" in kind:
        return expand_pairs(_multipart_fields(body, content_type))
    if body.strip():
        # An unknown content type with a body: try JSON, as lenient servers do.
        return _parse_json(body)
    return {}


def _parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(_decode(body))
    except (ValueError, RecursionError) as exc:
        raise ValidationError(
            ["O corpo da requisição não é um JSON válido."],
            message="JSON inválido",
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError(["O corpo JSON deve ser um objeto ({...})."], message="JSON inválido")
    return data


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(["O corpo da requisição deve estar em UTF-8."]) from exc


def _multipart_fields(body: bytes, content_type: str) -> list[tuple[str, str]]:
    # Imported here: the email package is the heaviest import of a cold start
    # and multipart bodies are rare.
    from email.parser import BytesParser
    from email.policy import HTTP

    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValidationError(["O corpo multipart/form-data está malformado."])
    fields: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename():
            continue  # files are not read by any route yet
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            fields.append((name, _decode(payload)))
    return fields


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            _deep_merge(current, value)
        else:
            base[key] = value
