"""Declared input fields: each one reads its value out of a request's input
(through ``validation.Fields``, with its Laravel-style messages) and describes
itself in JSON Schema for the OpenAPI document.

A route declares the fields it reads (``web.routes``) and its view reads them
through the very same objects, so the document cannot list a field, a limit
or a choice the code does not apply. ``Fields`` built for a declared route
refuses to read a name the route did not declare (``UndeclaredInputError``).

A field used in several routes is one module-level constant; a field whose
reading is too particular for these types is a ``Raw`` with its schema
written out, read by the view through ``Fields`` as before.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, Generic, TypeVar, overload

from chalicelib.input_rules import MAX_DATE, MIN_DATE
from chalicelib.web.validation import Fields

Schema = dict[str, Any]
T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")
E = TypeVar("E")
F = TypeVar("F")
G = TypeVar("G")
H = TypeVar("H")
# The names a route may read, nested for objects and lists of objects (None: anything below).
Allowed = Mapping[str, "Allowed | None"]

# An id in a body, as clients send it: a number or a numeric string. Also the items of id lists.
ID_SCHEMA: Schema = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1,
                     "description": "Inteiro positivo; aceito também como texto (\"12\")."}
BOOL_DESCRIPTION = "true/false; aceita também 1/0, \"sim\"/\"nao\", \"true\"/\"false\"."


def ref(name: str) -> Schema:
    """A reference to a component schema of the document."""
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(name: str) -> Schema:
    return {"type": "array", "items": ref(name)}


def object_of(required: Mapping[str, Schema] | None = None, optional: Mapping[str, Schema] | None = None,
        description: str = "") -> Schema:
    """An object schema: the properties it always has (``required``, in that order) and those it may have."""
    return _given({"type": "object"}, description=description or None, required=list(required) if required else None,
                  properties={**(required or {}), **(optional or {})})


def _given(schema: Schema, **keywords: Any) -> Schema:
    """``schema`` with the keywords that have a value (None: the keyword is left out)."""
    return {**schema, **{name: value for name, value in keywords.items() if value is not None}}


def envelope(payload: Mapping[str, Schema] | None = None) -> Schema:
    """A route's answer: the success envelope with ``payload``'s keys (all present), or the error envelope."""
    success = {"allOf": [ref("EnvelopeSucesso"), object_of(payload)]} if payload else ref("EnvelopeSucesso")
    return {"oneOf": [success, ref("EnvelopeErro")]}


def paged(name: str, item: str) -> Schema:
    """The answer of a paged list: the items (component ``item``) under ``name`` and the ``paginacao`` block."""
    return envelope({name: list_of(item), "paginacao": ref("Paginacao")})


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Input(Generic[T]):
    """One input field: its name, whether it is required and what it means."""

    name: str
    description: str = ""
    required: bool = False
    # Extra JSON Schema keywords (examples, default, format...) merged into the generated schema.
    extra: Mapping[str, Any] = field(default_factory=dict, kw_only=True)

    def schema(self, query: bool = False) -> Schema:
        """Its JSON Schema; in the query string (``query``) numbers and booleans are plain, as clients send."""
        schema = self._schema(query)
        if self.description:
            schema["description"] = _join(self.description, schema.get("description", ""))
        return {**schema, **self.extra}

    def read(self, fields: Fields) -> T:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def read_optional(self, fields: Fields) -> T | None:
        """None when the field is not sent (for a change: keep the current value)."""
        return self.read(fields) if fields.has(self.name) else None

    def read_changed(self, fields: Fields) -> T | None:
        """For a change of a value that cannot be cleared: None when not sent; sent (even empty or null), it is
        read as required, so ``"nome": ""`` is refused rather than taken for no change."""
        return replace(self, required=True).read(fields) if fields.sent(self.name) else None

    def _schema(self, query: bool) -> Schema:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def children(self) -> tuple[Input[Any], ...]:
        return ()


def allowed(inputs: tuple[Input, ...]) -> dict[str, Allowed | None]:
    """The names ``inputs`` declare, as ``Fields`` checks them."""
    return {i.name: (allowed(i.children()) if i.children() else None) for i in inputs}


@dataclass(frozen=True)
class Text(Input[str]):
    max_len: int = 255
    min_len: int = 0
    pattern: str | None = None

    def read(self, fields: Fields) -> str:
        return fields.text(self.name, required=self.required, max_len=self.max_len, min_len=self.min_len)

    def _schema(self, query: bool) -> Schema:
        return _given({"type": "string", "maxLength": self.max_len}, minLength=self.min_len or None,
                      pattern=self.pattern or None)


@dataclass(frozen=True)
class Email(Input[str]):
    def read(self, fields: Fields) -> str:
        return fields.email(self.name, required=self.required)

    def _schema(self, query: bool) -> Schema:
        return {"type": "string", "maxLength": 254, "format": "email"}


@dataclass(frozen=True)
class Integer(Input[int]):
    minimum: int | None = None
    maximum: int | None = None
    default: int = 0

    def read(self, fields: Fields) -> int:
        return fields.integer(self.name, required=self.required, minimum=self.minimum, maximum=self.maximum,
                              default=self.default)

    def _schema(self, query: bool) -> Schema:
        schema: Schema = {"type": "integer"} if query else {"type": ["integer", "string"], "pattern": "^-?[0-9]+$"}
        return _given(schema, minimum=self.minimum, maximum=self.maximum,
                      default=self.default if not self.required and self.default else None)


@dataclass(frozen=True)
class Id(Input[int]):
    """A positive integer id, sent as a number or a numeric string."""

    def read(self, fields: Fields) -> int:
        return fields.identifier(self.name, required=self.required)

    def read_optional(self, fields: Fields) -> int | None:
        return fields.optional_identifier(self.name)

    def _schema(self, query: bool) -> Schema:
        if query:
            return {"type": "integer", "minimum": 1}
        return dict(ID_SCHEMA)


@dataclass(frozen=True)
class Bool(Input[bool]):
    default: bool = False

    def read(self, fields: Fields) -> bool:
        return fields.boolean(self.name, required=self.required, default=self.default)

    def read_optional(self, fields: Fields) -> bool | None:
        """None when the field is not sent (a change that keeps the current value)."""
        return fields.optional_boolean(self.name)

    def _schema(self, query: bool) -> Schema:
        if query:
            return {"type": "boolean", "description": BOOL_DESCRIPTION}
        return {"type": ["boolean", "integer", "string"], "description": BOOL_DESCRIPTION}


@dataclass(frozen=True)
class Choice(Input[str]):
    options: tuple[str, ...] = ()
    default: str = ""

    def read(self, fields: Fields) -> str:
        return fields.choice(self.name, self.options, required=self.required, default=self.default)

    def _schema(self, query: bool) -> Schema:
        return {"type": "string", "enum": list(self.options)}


@dataclass(frozen=True)
class Money(Input[int]):
    """Reais with at most two decimals, read as integer cents."""

    def read(self, fields: Fields) -> int:
        return fields.money_cents(self.name, required=self.required)

    def _schema(self, query: bool) -> Schema:
        return {"type": ["number", "string"], "pattern": "^[0-9]{1,12}([.,][0-9]{1,2})?$", "minimum": 0,
                "description": "Valor em reais com no máximo duas casas decimais (\"99.90\" ou 99.9).",
                "examples": ["99.90"]}


@dataclass(frozen=True)
class Day(Input[date | None]):
    def read(self, fields: Fields) -> date | None:
        return fields.day(self.name, required=self.required)

    def _schema(self, query: bool) -> Schema:
        return {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                "description": f"AAAA-MM-DD, de {MIN_DATE.isoformat()} a {MAX_DATE.isoformat()}."}


@dataclass(frozen=True)
class Moment(Input[datetime | None]):
    """``AAAA-MM-DD`` or ``AAAA-MM-DD HH:MM[:SS]``; a bare date is its first second (or last, ``end_of_day``)."""

    end_of_day: bool = False

    def read(self, fields: Fields) -> datetime | None:
        return fields.moment(self.name, required=self.required, end_of_day=self.end_of_day)

    def _schema(self, query: bool) -> Schema:
        return {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$",
                "description": f"AAAA-MM-DD ou AAAA-MM-DD HH:MM:SS, de {MIN_DATE.isoformat()} a "
                               f"{MAX_DATE.isoformat()}."}


@dataclass(frozen=True)
class ClockTime(Input[time | None]):
    def read(self, fields: Fields) -> time | None:
        return fields.clock_time(self.name, required=self.required)

    def _schema(self, query: bool) -> Schema:
        return {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$", "description": "HH:MM:SS."}


@dataclass(frozen=True)
class IdList(Input[list[int]]):
    """Ids as a list, an indexed map or a comma-separated text; ``{id}`` objects too."""

    max_items: int = 100

    def read(self, fields: Fields) -> list[int]:
        return fields.id_list(self.name, max_items=self.max_items)

    def _schema(self, query: bool) -> Schema:
        return {"type": ["array", "string"], "items": {"type": ["integer", "string", "object"]},
                "maxItems": self.max_items,
                "description": "Lista de IDs ou texto separado por vírgulas (\"1,2\")."}


@dataclass(frozen=True)
class TextList(Input[list[str]]):
    """Texts from a list, an indexed map or a comma-separated text."""

    max_items: int = 100
    item: Schema = field(default_factory=lambda: {"type": "string"})

    def read(self, fields: Fields) -> list[str]:
        return fields.text_list(self.name, required=self.required, max_items=self.max_items)

    def _schema(self, query: bool) -> Schema:
        return {"type": ["array", "string"], "items": self.item, "maxItems": self.max_items,
                "description": "Lista ou texto separado por vírgulas."}


@dataclass(frozen=True)
class Items(Input[list[Fields]]):
    """A list of objects (a JSON array or a PHP-style indexed map), each with the fields ``of``."""

    of: tuple[Input, ...] = ()
    max_items: int = 100

    def read(self, fields: Fields) -> list[Fields]:
        return fields.items(self.name, required=self.required, max_items=self.max_items)

    def children(self) -> tuple[Input, ...]:
        return self.of

    def _schema(self, query: bool) -> Schema:
        return _given({"type": "array", "maxItems": self.max_items, "items": object_schema(self.of)},
                      minItems=1 if self.required else None)


@dataclass(frozen=True)
class Obj(Input[Fields]):
    """An object with the fields ``of``."""

    of: tuple[Input, ...] = ()

    def read(self, fields: Fields) -> Fields:
        return fields.obj(self.name, required=self.required)

    def children(self) -> tuple[Input, ...]:
        return self.of

    def _schema(self, query: bool) -> Schema:
        return object_schema(self.of)


@dataclass(frozen=True)
class Raw(Input[Any]):
    """A field the view reads itself (through ``Fields``); its schema is written out here."""

    spec: Schema = field(default_factory=dict)

    def read(self, fields: Fields) -> Any:
        return fields.raw(self.name)

    def _schema(self, query: bool) -> Schema:
        return dict(self.spec)


@overload
def read(fields: Fields, a: Input[A], b: Input[B], /) -> tuple[A, B]: ...
@overload
def read(fields: Fields, a: Input[A], b: Input[B], c: Input[C], /) -> tuple[A, B, C]: ...
@overload
def read(fields: Fields, a: Input[A], b: Input[B], c: Input[C], d: Input[D], /) -> tuple[A, B, C, D]: ...
@overload
def read(fields: Fields, a: Input[A], b: Input[B], c: Input[C], d: Input[D], e: Input[E], /
         ) -> tuple[A, B, C, D, E]: ...
@overload
def read(fields: Fields, a: Input[A], b: Input[B], c: Input[C], d: Input[D], e: Input[E], f: Input[F], /
         ) -> tuple[A, B, C, D, E, F]: ...
@overload
def read(fields: Fields, a: Input[A], b: Input[B], c: Input[C], d: Input[D], e: Input[E], f: Input[F],
         g: Input[G], /) -> tuple[A, B, C, D, E, F, G]: ...
@overload
def read(fields: Fields, a: Input[A], b: Input[B], c: Input[C], d: Input[D], e: Input[E], f: Input[F],
         g: Input[G], h: Input[H], /) -> tuple[A, B, C, D, E, F, G, H]: ...
def read(fields: Fields, *inputs: Input[Any]) -> tuple[Any, ...]:
    """The values of ``inputs``, read in order (so the errors come in the order the route declares them)."""
    return tuple(i.read(fields) for i in inputs)


def object_schema(inputs: tuple[Input, ...], description: str = "") -> Schema:
    return object_of({i.name: i.schema() for i in inputs if i.required},
               {i.name: i.schema() for i in inputs if not i.required}, description)
