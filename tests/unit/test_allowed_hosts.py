"""The allow-list of where a stored secret may be sent (chalicelib.allowed_hosts) and its settings
(ZAPME_ALLOWED_HOSTS, ZAPME_API_URL): exact origins, no suffix, user-info, port or case tricks, http only
for a loopback entry the deployment lists."""
from __future__ import annotations

import pytest

from chalicelib.allowed_hosts import AllowedHosts, UrlRefused, parse_url
from chalicelib.config import DEFAULT_ZAPME_ALLOWED_HOSTS, ENV_ZAPME_ALLOWED_HOSTS, Settings, load_settings
from chalicelib.errors import ConfigurationError
from chalicelib.notify.whatsapp import DEFAULT_BASE_URL

ZAPME = AllowedHosts.parse(DEFAULT_ZAPME_ALLOWED_HOSTS)
LOCAL = AllowedHosts.parse("api.zapme.com.br, http://127.0.0.1:9001")


@pytest.mark.parametrize("url, canonical", [
    ("https://api.zapme.com.br", "https://api.zapme.com.br"),
    ("https://api.zapme.com.br/", "https://api.zapme.com.br"),
    ("https://api.zapme.com.br:443", "https://api.zapme.com.br"),
    ("HTTPS://API.ZapMe.COM.BR", "https://api.zapme.com.br"),
    ("https://api.zapme.com.br/v2/", "https://api.zapme.com.br/v2"),
    # Unicode spellings are compared (and stored) in the ASCII form DNS resolves: these are ZapMe's host.
    ("https://ＡＰＩ.zapme.com.br", "https://api.zapme.com.br"),
    ("https://api\u3002zapme\u3002com\u3002br", "https://api.zapme.com.br"),
])
def test_zapmes_own_address_is_accepted_in_its_canonical_form(url: str, canonical: str) -> None:
    assert ZAPME.check(url) == canonical


@pytest.mark.parametrize("url", [
    "https://api.zapme.com.br.evil.com",  # suffix
    "https://evil-api.zapme.com.br.example",
    "https://evilapi.zapme.com.br",
    "https://zapme.com.br",  # a parent domain is another host
    "https://x.api.zapme.com.br",  # and so is a subdomain
    "https://api.zapme.com.br@evil.com",  # user info: the host is evil.com
    "https://api.zapme.com.br:senha@evil.com",
    "https://evil.com@api.zapme.com.br",  # user info is refused even before the host
    "https://evil.com\\@api.zapme.com.br",
    "https://evil.com\\api.zapme.com.br",
    "https://api.zapme.com.br:8443",  # another port
    "https://api.zapme.com.br:0",
    "https://api.zapme.com.br:99999",
    "https://api.zapme.com.br:abc",
    "http://api.zapme.com.br",  # no https
    "ftp://api.zapme.com.br",
    "//api.zapme.com.br",
    "api.zapme.com.br",
    "https:api.zapme.com.br",
    "https:///api.zapme.com.br",
    "https://api.zapme.com.br.",  # a trailing dot is not the host as listed
    "https://api.zapmé.com.br",  # an IDN look-alike: xn--..., another host
    "https://api.zapme.com.br?x=1",
    "https://api.zapme.com.br#frag",
    "https://api.zapme.com.br/#@evil.com",
    "https://api.zapme.com.br /x",
    "https://api.zapme.com.br\t",
    " https://api.zapme.com.br",
    "https://api.zapme.com.br\n.evil.com",
    "https://api%2ezapme.com.br",
    "https://api.zapme.com.br/%2e%2e",
    "https://[::1]",
    "https://127.0.0.1",
    "",
])
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(UrlRefused):
        ZAPME.check(url)
    assert not ZAPME.allows(url)


def test_refusals_say_why_in_portuguese() -> None:
    with pytest.raises(UrlRefused, match="https://"):
        ZAPME.check("http://api.zapme.com.br")
    with pytest.raises(UrlRefused, match="usuário ou senha"):
        ZAPME.check("https://api.zapme.com.br@evil.com")
    named = AllowedHosts.parse(DEFAULT_ZAPME_ALLOWED_HOSTS, ENV_ZAPME_ALLOWED_HOSTS)
    with pytest.raises(UrlRefused) as refused:
        named.check("https://api.zapme.com.br.evil.com")
    assert str(refused.value) == ("O endereço https://api.zapme.com.br.evil.com não está entre os permitidos: "
                                  "https://api.zapme.com.br (configuração ZAPME_ALLOWED_HOSTS da implantação).")


def test_an_http_loopback_entry_allows_exactly_that_origin() -> None:
    assert LOCAL.check("http://127.0.0.1:9001") == "http://127.0.0.1:9001"
    assert LOCAL.check("https://api.zapme.com.br") == "https://api.zapme.com.br"
    for url in ("http://127.0.0.1:9002", "http://127.0.0.1", "https://127.0.0.1:9001", "http://localhost:9001",
                "http://127.0.0.2:9001", "http://127.1:9001", "http://api.zapme.com.br"):
        assert not LOCAL.allows(url), url
    ipv6 = AllowedHosts.parse("http://[::1]:9001")
    assert ipv6.check("http://[0:0:0:0:0:0:0:1]:9001/") == "http://[::1]:9001"


@pytest.mark.parametrize("entries, fragment", [
    ("http://api.zapme.com.br", "loopback"),  # http never leaves the machine
    ("http://10.0.0.5:8080", "loopback"),
    ("https://api.zapme.com.br/v2", "sem caminho"),
    ("https://user@api.zapme.com.br", "usuário"),
    ("ftp://api.zapme.com.br", "https://"),
    (" , ", "vazia"),
])
def test_bad_entries_are_refused(entries: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        AllowedHosts.parse(entries)


def test_entries_are_normalised_and_deduplicated() -> None:
    hosts = AllowedHosts.parse(["API.ZAPME.COM.BR", "https://api.zapme.com.br:443", "api.zapme.com.br:8443"])
    assert hosts.entries() == ("https://api.zapme.com.br", "https://api.zapme.com.br:8443")


def test_parse_url_rebuilds_only_checked_parts() -> None:
    origin, rebuilt = parse_url("HTTPS://Api.ZapMe.com.br:443/v2/")
    assert (origin.scheme, origin.host, origin.port, rebuilt) == ("https", "api.zapme.com.br", 443,
                                                                   "https://api.zapme.com.br/v2")


# --- the settings ---------------------------------------------------------------------------------------------

BASE = {"AWS_REGION": "us-east-1"}


def test_by_default_only_zapmes_real_api_is_allowed() -> None:
    settings = load_settings(BASE)
    assert settings.zapme_allowed_hosts == ("https://api.zapme.com.br",) == Settings("r", "s", "UTC", "INFO") \
        .zapme_allowed_hosts
    assert settings.zapme_hosts.check(DEFAULT_BASE_URL) == DEFAULT_BASE_URL
    assert not settings.zapme_hosts.allows("http://127.0.0.1:9001")


def test_the_local_stack_lists_its_simulator_explicitly() -> None:
    settings = load_settings({**BASE, "ZAPME_ALLOWED_HOSTS": "https://api.zapme.com.br,http://127.0.0.1:9001",
                              "ZAPME_API_URL": "http://127.0.0.1:9001/"})
    assert settings.zapme_allowed_hosts == ("https://api.zapme.com.br", "http://127.0.0.1:9001")
    assert settings.zapme_url == "http://127.0.0.1:9001"


@pytest.mark.parametrize("env, fragment", [
    ({"ZAPME_API_URL": "http://127.0.0.1:9001"}, "ZAPME_API_URL inválido"),  # the default must be listed too
    ({"ZAPME_API_URL": "https://api.zapme.com.br.evil.com"}, "ZAPME_API_URL inválido"),
    ({"ZAPME_ALLOWED_HOSTS": "http://zapme.example"}, "ZAPME_ALLOWED_HOSTS inválido"),
    ({"ZAPME_ALLOWED_HOSTS": "https://a@zapme.example"}, "ZAPME_ALLOWED_HOSTS inválido"),
])
def test_a_bad_list_or_default_address_stops_the_deployment(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        load_settings({**BASE, **env})
