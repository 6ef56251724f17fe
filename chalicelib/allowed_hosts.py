"""Where a stored credential may be sent: an allow-list of origins.

A setting that names an address (ZapMe's ``url``) decides where a sealed
secret goes on every call, so whoever may change the setting could send the
secret to a host of theirs. Such an address is accepted only if its origin
(scheme, host, port) is one the deployment lists, compared exactly:
``api.zapme.com.br.evil.com``, ``https://api.zapme.com.br@evil.com``,
another port or ``http://`` are other origins. Hosts are compared in their
ASCII form (lower case, IDNA for non-ASCII names), so case and Unicode
spellings cannot dodge the list; an address with user info, a query, a
fragment, a backslash or spaces is refused outright, as URL parsers disagree
about those.

An accepted address comes back rebuilt from the parts that were checked
(the canonical form): that, and never the text as typed, is what is stored
and handed to the HTTP client, so the client cannot parse something else
than what was checked.

Entries are ``host``, ``host:port`` or ``scheme://host[:port]``; a bare
entry is https. ``http://`` entries are accepted only for a loopback host
(the local stack's simulators listen on ``http://127.0.0.1:<port>``).
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

HTTPS = "https"
HTTP = "http"
DEFAULT_PORTS = {HTTPS: 443, HTTP: 80}
LOOPBACK_NAMES = ("localhost",)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
# Only plain path segments: anything a parser could read as part of the authority stays out.
_PATH = re.compile(r"(?:/[A-Za-z0-9._~-]*)*")


class UrlRefused(ValueError):
    """Why an address is not accepted, in Portuguese (shown to the user as it is)."""


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str  # lower-case ASCII (IDNA), or an IP address in its canonical text
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}"

    @property
    def loopback(self) -> bool:
        if self.host in LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_url(url: str) -> tuple[Origin, str]:
    """The origin of ``url`` and the URL rebuilt from its checked parts; raises UrlRefused."""
    if not isinstance(url, str) or not url:
        raise UrlRefused("A url está vazia.")
    if any(c.isspace() or not c.isprintable() or c == "\\" for c in url):
        raise UrlRefused("A url contém espaços ou caracteres inválidos.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UrlRefused("A url é inválida (host ou porta).") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UrlRefused("A url deve começar com https://.")
    if "@" in parts.netloc:
        raise UrlRefused("A url não pode conter usuário ou senha (@).")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise UrlRefused("A url não pode ter parâmetros (?) nem fragmento (#).")
    if not _PATH.fullmatch(parts.path):
        raise UrlRefused("O caminho da url contém caracteres inválidos.")
    host = _host(parts.hostname or "")
    if port is not None and not 0 < port < 65536:
        raise UrlRefused("A porta da url é inválida.")
    origin = Origin(scheme, host, port if port is not None else DEFAULT_PORTS[scheme])
    return origin, f"{origin}{parts.path.rstrip('/')}"


def _host(raw: str) -> str:
    """The host as DNS sees it: IDNA (which also folds case and Unicode dots) for a non-ASCII name."""
    if not raw:
        raise UrlRefused("A url não tem host.")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        pass
    try:
        host = raw.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UrlRefused("O host da url é inválido.") from None
    if not _HOST_NAME.fullmatch(host):
        raise UrlRefused("O host da url é inválido.")
    return host


@dataclass(frozen=True)
class AllowedHosts:
    origins: tuple[Origin, ...]
    setting: str = ""  # the deployment setting that holds the list, named in refusals

    @classmethod
    def parse(cls, entries: str | Iterable[str], setting: str = "") -> AllowedHosts:
        """From entries (or one comma-separated text); raises ValueError naming the bad entry."""
        texts = entries.split(",") if isinstance(entries, str) else list(entries)
        origins: list[Origin] = []
        for text in (t.strip() for t in texts):
            if not text:
                continue
            try:
                origin, rebuilt = parse_url(text if "://" in text else f"{HTTPS}://{text}")
            except UrlRefused as refused:
                raise ValueError(f"entrada inválida {text!r}: {refused}") from None
            if rebuilt != str(origin):
                raise ValueError(f"entrada inválida {text!r}: informe só o host (sem caminho)")
            if origin.scheme == HTTP and not origin.loopback:
                raise ValueError(f"entrada inválida {text!r}: http:// só é aceito para o loopback "
                                 "(127.0.0.1, ::1, localhost); use https://")
            if origin not in origins:
                origins.append(origin)
        if not origins:
            raise ValueError("a lista de hosts permitidos está vazia")
        return cls(tuple(origins), setting)

    def check(self, url: str) -> str:
        """``url`` rebuilt from its checked parts when its origin is on the list; raises UrlRefused."""
        origin, rebuilt = parse_url(url)
        if origin in self.origins:
            return rebuilt
        if origin.scheme == HTTP:
            raise UrlRefused("A url deve começar com https://.")
        where = f" (configuração {self.setting} da implantação)" if self.setting else ""
        raise UrlRefused(f"O endereço {origin} não está entre os permitidos: {self.describe()}{where}.")

    def allows(self, url: str) -> bool:
        try:
            self.check(url)
        except UrlRefused:
            return False
        return True

    def describe(self) -> str:
        return ", ".join(str(o) for o in self.origins)

    def entries(self) -> tuple[str, ...]:
        return tuple(str(o) for o in self.origins)
