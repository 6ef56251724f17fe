"""Reading typed values out of merged client input, with Laravel's pt-BR
messages (what HubSoft clients already show their users).

A ``Fields`` collects every problem instead of stopping at the first, so one
answer names all bad fields; ``check()`` raises them together. On a bad value
the accessor returns a harmless placeholder, never used because ``check()``
raises before the caller builds anything from it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.errors import ValidationError
from chalicelib.input_rules import date_in_range, date_range_error, is_digits

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INT_LIMIT = 10**18
_Dated = TypeVar("_Dated", date, datetime)
_TRUE = {"1", "true", "sim", "yes", "on"}
_FALSE = {"0", "false", "nao", "não", "no", "off"}

if TYPE_CHECKING:
    from chalicelib.web.schema import Allowed


class UndeclaredInputError(RuntimeError):
    """A view read an input field its route does not declare: a programming error (the document would lie)."""


class Fields:
    """Typed accessors over one input mapping; field names may be nested.

    With ``allowed`` (the names a declared route reads, ``web.schema.allowed``),
    reading any other name raises ``UndeclaredInputError``.
    """

    def __init__(self, data: Any, prefix: str = "", errors: list[str] | None = None,
                 allowed: Allowed | None = None) -> None:
        self._data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        self._prefix = prefix
        self.errors: list[str] = [] if errors is None else errors
        self._allowed = allowed

    def _declared(self, key: str) -> None:
        if self._allowed is not None and key not in self._allowed:
            raise UndeclaredInputError(f"campo não declarado na rota: {self.name(key)}")

    def _child(self, key: str, value: Any, prefix: str) -> Fields:
        below = self._allowed.get(key) if self._allowed is not None else None
        return Fields(value, prefix=prefix, errors=self.errors, allowed=below)

    # -- plumbing -------------------------------------------------------
    def name(self, key: str) -> str:
        return f"{self._prefix}{key}"

    def error(self, message: str) -> None:
        self.errors.append(message)

    def has(self, key: str) -> bool:
        self._declared(key)
        value = self._data.get(key)
        return value is not None and value != ""

    def raw(self, key: str) -> Any:
        self._declared(key)
        return self._data.get(key)

    def sent(self, key: str) -> bool:
        """The client sent ``key``, even empty or null (for a change: ``has`` reads those as not sent)."""
        self._declared(key)
        return key in self._data

    def check(self) -> None:
        """Raise every collected error at once."""
        if self.errors:
            raise ValidationError(self.errors)

    def add_rule_errors(self, messages: Iterable[str]) -> None:
        """Add the domain's rule errors to the format errors, once per field.

        A rule error about a field that already has a format error (or about
        a part or a parent of that field) is left out: the client fixes the
        format first. Messages that name no field are always added.
        """
        named = [f for f in (field_of(e) for e in self.errors) if f]
        for message in messages:
            about = field_of(message)
            if about is None or not any(_related(about, other) for other in named):
                self.errors.append(message)

    def _missing(self, key: str, required: bool) -> bool:
        if self.has(key):
            return False
        if required:
            self.error(f"O campo {self.name(key)} é obrigatório.")
        return True

    # -- scalars --------------------------------------------------------
    def text(self, key: str, *, required: bool = False, max_len: int = 255, min_len: int = 0) -> str:
        if self._missing(key, required):
            return ""
        value = self._data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.error(f"O campo {self.name(key)} deve ser um texto.")
            return ""
        value = value.strip()
        if required and not value:
            self.error(f"O campo {self.name(key)} é obrigatório.")
        elif len(value) > max_len:
            self.error(f"O campo {self.name(key)} não pode ser superior a {max_len} caracteres.")
        elif len(value) < min_len:
            self.error(f"O campo {self.name(key)} deve ter pelo menos {min_len} caracteres.")
        return value

    def integer(
        self, key: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None,
        default: int = 0,
    ) -> int:
        if self._missing(key, required):
            return default
        number = parse_int(self._data[key])
        if number is None:
            self.error(f"O campo {self.name(key)} deve ser um número inteiro.")
            return default
        if minimum is not None and number < minimum:
            self.error(f"O campo {self.name(key)} deve ser no mínimo {minimum}.")
        elif maximum is not None and number > maximum:
            self.error(f"O campo {self.name(key)} não pode ser superior a {maximum}.")
        return number

    def identifier(self, key: str, *, required: bool = False) -> int:
        """A positive integer id, sent as a number or a numeric string."""
        return self.integer(key, required=required, minimum=1)

    def optional_identifier(self, key: str) -> int | None:
        if not self.has(key):
            return None
        before = len(self.errors)
        value = self.identifier(key)
        return value if len(self.errors) == before else None

    def boolean(self, key: str, *, required: bool = False, default: bool = False) -> bool:
        if self._missing(key, required):
            return default
        value = self._data[key]
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self.error(f"O campo {self.name(key)} deve ser verdadeiro ou falso.")
        return default

    def optional_boolean(self, key: str) -> bool | None:
        """None when the field is not sent (a change that keeps the current value)."""
        return self.boolean(key) if self.has(key) else None

    def email(self, key: str, *, required: bool = False) -> str:
        value = self.text(key, required=required, max_len=254)
        if value and not _EMAIL.match(value):
            self.error(f"O campo {self.name(key)} deve ser um endereço de e-mail válido.")
        return value.lower()

    def choice(self, key: str, options: tuple[str, ...], *, required: bool = False, default: str = "") -> str:
        value = self.text(key, required=required, max_len=100)
        if not value:
            return default
        if value not in options:
            self.error(f"O campo {self.name(key)} selecionado é inválido. Valores aceitos: {', '.join(options)}.")
            return default
        return value

    def money_cents(self, key: str, *, required: bool = False) -> int:
        """A decimal amount in reais with at most two places, as integer cents."""
        if self._missing(key, required):
            return 0
        cents = parse_money_cents(self._data[key])
        if cents is None:
            self.error(
                f"O campo {self.name(key)} deve ser um valor em reais com no máximo duas casas decimais "
                "(ex.: 99.90)."
            )
            return 0
        if cents < 0:
            self.error(f"O campo {self.name(key)} não pode ser negativo.")
        return cents

    def day(self, key: str, *, required: bool = False) -> date | None:
        value = self.text(key, required=required, max_len=10)
        if not value:
            return None
        try:
            # fromisoformat alone would also take week dates such as 2026-W52-4
            day = date.fromisoformat(value) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) else _bad_date()
        except ValueError:
            self.error(f"O campo {self.name(key)} deve ser uma data no formato AAAA-MM-DD.")
            return None
        return self._bounded(key, day)

    def moment(self, key: str, *, required: bool = False, end_of_day: bool = False) -> datetime | None:
        """``AAAA-MM-DD`` or ``AAAA-MM-DD HH:MM[:SS]`` (HubSoft sends both); a bare
        date is its first second, or its last one with ``end_of_day``."""
        value = self.text(key, required=required, max_len=19)
        if not value:
            return None
        match = re.fullmatch(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T]([0-9]{2}:[0-9]{2}(?::[0-9]{2})?))?", value)
        if match is not None:
            try:
                day = date.fromisoformat(match.group(1))
                clock = match.group(2)
                if clock is None:
                    moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time())
                else:
                    moment = datetime.combine(day, time.fromisoformat(clock if len(clock) == 8 else clock + ":00"))
                return self._bounded(key, moment)
            except ValueError:
                pass
        self.error(f"O campo {self.name(key)} deve ser uma data no formato AAAA-MM-DD ou AAAA-MM-DD HH:MM:SS.")
        return None

    def _bounded(self, key: str, value: _Dated) -> _Dated | None:
        """Refused at parse time: past the bounds, the days and margins added later could overflow."""
        if date_in_range(value):
            return value
        self.error(date_range_error(self.name(key)))
        return None

    def id_list(self, key: str, *, max_items: int = 100) -> list[int]:
        """Ids as a comma-separated text (``"1,2"``), a list or an indexed map; ``{id}`` objects too."""
        if self._missing(key, False):
            return []
        value = self._data[key]
        values = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else as_list(value)
        if values is None:
            values = [value]
        if len(values) > max_items:
            self.error(f"O campo {self.name(key)} não pode ter mais de {max_items} itens.")
            return []
        ids: list[int] = []
        for index, item in enumerate(values):
            if isinstance(item, Mapping):
                item = next((item[k] for k in item if k == "id" or k.startswith("id_")), None)
            number = parse_int(item)
            if number is None or number < 1:
                self.error(f"O campo {self.name(key)} deve ter IDs numéricos (item {index}).")
                return []
            ids.append(number)
        return list(dict.fromkeys(ids))

    def clock_time(self, key: str, *, required: bool = False) -> time | None:
        value = self.text(key, required=required, max_len=8)
        if not value:
            return None
        if re.fullmatch(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?", value):
            try:
                return time.fromisoformat(value if len(value) == 8 else value + ":00")
            except ValueError:
                pass
        self.error(f"O campo {self.name(key)} deve ser um horário no formato HH:MM:SS.")
        return None

    # -- collections ----------------------------------------------------
    def items(self, key: str, *, required: bool = False, max_items: int = 100) -> list[Fields]:
        """A list of objects, sent as a JSON array or a PHP-style indexed map."""
        if self._missing(key, required):
            return []
        values = as_list(self._data[key])
        if values is None:
            self.error(f"O campo {self.name(key)} deve ser uma lista.")
            return []
        if len(values) > max_items:
            self.error(f"O campo {self.name(key)} não pode ter mais de {max_items} itens.")
            return []
        if required and not values:
            self.error(f"O campo {self.name(key)} deve ter ao menos um item.")
        result = []
        for index, value in enumerate(values):
            if not isinstance(value, Mapping):
                self.error(f"O campo {self.name(key)}.{index} deve ser um objeto.")
                continue
            result.append(self._child(key, value, f"{self.name(key)}.{index}."))
        return result

    def obj(self, key: str, *, required: bool = False) -> Fields:
        if self._missing(key, required):
            return self._child(key, {}, f"{self.name(key)}.")
        value = self._data[key]
        if not isinstance(value, Mapping):
            self.error(f"O campo {self.name(key)} deve ser um objeto.")
            value = {}
        return self._child(key, value, f"{self.name(key)}.")

    def text_list(self, key: str, *, required: bool = False, max_items: int = 100) -> list[str]:
        """Strings from an array, an indexed map or a comma-separated string."""
        if self._missing(key, required):
            return []
        value = self._data[key]
        values = [v.strip() for v in value.split(",")] if isinstance(value, str) else as_list(value)
        if values is None or not all(isinstance(v, str) for v in values):
            self.error(f"O campo {self.name(key)} deve ser uma lista de textos.")
            return []
        if len(values) > max_items:
            self.error(f"O campo {self.name(key)} não pode ter mais de {max_items} itens.")
            return []
        return [v.strip() for v in values if v.strip()]


def field_of(message: str) -> str | None:
    """The field a Laravel-style message names (``"O campo x.0.y ..."`` → ``"x.0.y"``), or None."""
    words = message.split()
    return words[2] if message.startswith("O campo ") and len(words) > 2 else None


def _related(one: str, other: str) -> bool:
    return one == other or one.startswith(other + ".") or other.startswith(one + ".")


def parse_int(value: Any) -> int | None:
    """An int of at most 18 digits (ASCII) from a JSON number or a numeric string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        # Larger ones are no id or count of ours, and DynamoDB refuses numbers past 38 digits.
        return value if abs(value) < _INT_LIMIT else None
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,18}\s*", value):
        return int(value)
    return None


def parse_money_cents(value: Any) -> int | None:
    """``"99.90"``, ``99.9`` or ``"99,90"`` to 9990; None when not money."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    if isinstance(value, str):
        text = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    if not re.fullmatch(r"-?[0-9]{1,12}(\.[0-9]{1,2})?", text):
        # floats such as 99.9 print as "99.9"; 0.1 + 0.2 style noise is refused
        return None
    try:
        return int((Decimal(text) * 100).to_integral_exact())
    except InvalidOperation:
        return None


def as_list(value: Any) -> list[Any] | None:
    """A JSON array as is; ``{"0": a, "1": b}`` (PHP-style) as ``[a, b]``."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping) and all(isinstance(k, str) and is_digits(k) for k in value):
        return [value[k] for k in sorted(value, key=int)]
    return None


def _bad_date() -> date:
    raise ValueError("not an ISO date")
