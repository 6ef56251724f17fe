"""The console's browser tests: Playwright driving Debian's Chromium, headless, against the
local stack started as a real process (``python -m sandbox serve``) and set up over HTTP.

Chromium is /usr/bin/chromium (``./dev test`` installs Debian's package when it is missing);
Playwright never downloads a browser. When Chromium is missing or cannot start, every test
here fails saying so: they are never skipped.

Each test gets a fresh browser context (1280×800 unless it asks for a phone; pt-BR unless it
asks for another locale) whose console errors and uncaught exceptions fail the test.

``Console.check_page(name)`` is what a test calls on each screen it shows: it saves the screenshot
``build/screenshots/<name>-desktop.png`` (or ``-celular.png`` on a phone; a build artefact, not
committed; the run prints where) and runs axe-core (``console/node_modules/axe-core``, pinned in
``console/package.json``) over the page, failing on any serious or critical violation.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, ViewportSize, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.browser.seed import Operator, Seeded, seed, seed_charges
from tests.support.stack import RunningStack, no_extra_env, serve_local_stack

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# This machine's closed network refuses Chromium's background connections (updates, sync,
# QUIC probes): without these flags they fail at every start and fill the log.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "build" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
ADMIN = ("admin", "admin12345")
AXE = ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
# axe-core's impacts are minor, moderate, serious and critical: the last two fail a test.
FAILING_IMPACTS = ("serious", "critical")
# Runs axe over the whole page; what comes back is only what a failure message needs.
AXE_RUN = """async () => {
  const results = await window.axe.run(document, { resultTypes: ['violations'] });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), html: n.html, summary: n.failureSummary })),
  }));
}"""

expect.set_options(timeout=10_000)

# One running stack for every browser test (seeding it takes a while): the stack tier's fixture, session-wide.
local_stack = pytest.fixture(scope="session", name="local_stack")(serve_local_stack)
stack_extra_env = pytest.fixture(scope="session", name="stack_extra_env")(no_extra_env)


@dataclass
class ConsoleStack:
    stack: RunningStack
    operator: Operator
    data: Seeded

    @property
    def url(self) -> str:
        return f"{self.stack.url}/"


@dataclass
class Console:
    """One browser tab on the console, with what it logged."""

    page: Page
    url: str
    viewport: ViewportSize = field(default_factory=lambda: DESKTOP)
    errors: list[str] = field(default_factory=list)

    @property
    def width(self) -> str:
        """How the screenshots name this tab's width: ``desktop`` or ``celular``."""
        return "celular" if self.viewport == PHONE else "desktop"

    def login(self, username: str = ADMIN[0], password: str = ADMIN[1], hash_: str = "") -> None:
        self.page.goto(self.url + hash_)
        self.page.get_by_label("Usuário").fill(username)
        self.page.get_by_label("Senha", exact=True).fill(password)
        self.page.get_by_role("button", name="Entrar").click()
        expect(self.page.locator("header.topo")).to_be_visible()

    def open(self, hash_: str) -> None:
        """Another screen by its address (a reload keeps the session: the token is in sessionStorage)."""
        self.page.goto(self.url + hash_)
        self.page.reload()
        expect(self.page.locator("header.topo")).to_be_visible()

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_page(self, name: str) -> Path:
        """The screen as it is now: its screenshot ``<name>-desktop.png`` / ``<name>-celular.png`` in
        ``build/screenshots/``, then the accessibility check (``assert_accessible``). Call it once the
        screen shows what it loaded."""
        path = self.shot(f"{name}-{self.width}")
        assert_accessible(self.page, f"{name} ({self.width})")
        return path

    def assert_no_errors(self) -> None:
        assert not self.errors, "erros no console do navegador:\n" + "\n".join(self.errors)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every violation axe-core finds on the page, whatever its impact (axe is injected on first use;
    the page's CSP allows no inline script, and this goes through the browser's debugging protocol)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        if not AXE.exists():
            pytest.fail(f"axe-core não está instalado ({AXE}): `cd console && npm ci` (./dev test faz isso).",
                        pytrace=False)
        page.evaluate(f"() => {{ {AXE.read_text(encoding='utf-8')}\n}}")
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
    return violations


def assert_accessible(page: Page, where: str) -> None:
    """Fails listing each serious or critical axe-core violation: rule, impact, what it asks, and for
    each element found its selector, HTML and axe's summary of how to fix it."""
    found = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    assert not found, f"axe-core: {len(found)} violação(ões) grave(s) ou crítica(s) em {where}:\n" + \
        "\n".join(_describe(v) for v in found)


def _describe(violation: dict[str, Any]) -> str:
    lines = [f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"][:10]:
        lines.append(f"    {node['target']}: {node['html'][:160]}")
        lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines() if line.strip())
    if len(violation["nodes"]) > 10:
        lines.append(f"    … e mais {len(violation['nodes']) - 10} elemento(s)")
    return "\n".join(lines)


@pytest.fixture(scope="session", autouse=True)
def fresh_screenshots() -> None:
    """The folder shows this run only."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium não encontrado em {CHROMIUM}. `./dev test` instala o pacote do Debian "
                    "(apt-get install -y --no-install-recommends chromium).", pytrace=False)
    try:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
    except PlaywrightError as exc:
        pytest.fail(f"O Chromium ({CHROMIUM}) não iniciou:\n{exc}", pytrace=False)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def console_stack(local_stack: RunningStack) -> ConsoleStack:
    operator = Operator(local_stack.url, local_stack.env)
    data = seed(operator)
    seed_charges(operator, data)
    return ConsoleStack(local_stack, operator, data)


@pytest.fixture
def open_console(browser: Browser, console_stack: ConsoleStack,
                 request: pytest.FixtureRequest) -> Iterator[Callable[..., Console]]:
    """Opens a tab (``viewport`` DESKTOP or PHONE; ``locale`` the browser's language, pt-BR unless a
    test proves the console does not depend on it); at the end, a failure leaves a screenshot and any
    browser console error fails the test."""
    opened: list[tuple[Any, Console]] = []

    def make(viewport: ViewportSize = DESKTOP, locale: str = "pt-BR") -> Console:
        context = browser.new_context(viewport=viewport, locale=locale, timezone_id="America/Sao_Paulo",
                                      is_mobile=viewport == PHONE, has_touch=viewport == PHONE)
        page = context.new_page()
        page.set_default_timeout(15_000)
        console = Console(page, console_stack.url, viewport)
        page.on("console", lambda message: _record(console, message))
        page.on("pageerror", lambda error: console.errors.append(f"exceção não tratada: {error}"))
        opened.append((context, console))
        return console

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for index, (context, console) in enumerate(opened):
        if failed:
            console.shot(f"FALHA-{_slug(request.node.name)}-{index}")
        context.close()
    if not failed:
        for _, console in opened:
            console.assert_no_errors()


@pytest.fixture
def console(open_console: Callable[..., Console]) -> Console:
    return open_console()


def _record(console: Console, message: ConsoleMessage) -> None:
    if message.type == "error":
        console.errors.append(f"{message.text} ({message.location.get('url', '')})")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOTS.exists():
        count = len(list(SCREENSHOTS.glob("*.png")))
        terminalreporter.write_line(f"Capturas de tela do console ({count}): {SCREENSHOTS}")
