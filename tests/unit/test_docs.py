"""The documentation stays findable: a short README that links to the pages under docs/, links that lead
somewhere, and no citation of files that live outside the repository (a reader of a clone cannot open them)."""
from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAX_README_LINES = 250

# Built from parts so that this file does not match itself.
OUTSIDE_CITATIONS = re.compile("|".join((
    re.escape("../" + "shared"),
    re.escape("shared/" + "reference"),
    r"\b" + re.escape("design" + ".md") + r"\b",
    r"\b" + re.escape("api-contract" + ".md") + r"\b",
)))
TEXT_SUFFIXES = (".md", ".py", ".js", ".html", ".toml", ".json")
TEXT_NAMES = ("dev",)
NOT_CHECKED = ("package-lock.json",)
# Directories that are never the project's own text when the tree is walked without git.
UNTRACKED_DIRS = {".git", ".venv", "node_modules", "vendor", "build", "mutants", ".sandbox", "deployments",
                  "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def markdown_pages() -> list[Path]:
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


def tracked_files() -> list[Path]:
    """The repository's files: git's list when this is a clone, else the tree without build and tool output."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return list(_walk())
    return [ROOT / name for name in listed.decode("utf-8").split("\0") if name]


def _walk() -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in UNTRACKED_DIRS]
        for name in files:
            yield Path(directory) / name


def is_checked_text(path: Path) -> bool:
    name = path.name
    if name in NOT_CHECKED or (name.startswith("requirements") and name.endswith(".txt")):
        return False
    return name in TEXT_NAMES or name.endswith(TEXT_SUFFIXES)


def without_code(markdown: str) -> str:
    """The text a reader sees as prose: fenced blocks and inline code hold examples, not links."""
    return INLINE_CODE.sub("", FENCE.sub("", markdown))


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for heading in HEADING.findall(FENCE.sub("", markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(page: Path) -> Iterator[str]:
    for target in LINK.findall(without_code(page.read_text(encoding="utf-8"))):
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: lead out of the repository
            yield target


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, (
        f"README.md tem {len(lines)} linhas (máximo {MAX_README_LINES}): mova o detalhe para uma página de docs/")


def test_readme_starts_with_the_two_commands() -> None:
    first_lines = README.read_text(encoding="utf-8").splitlines()[:5]
    assert any(line.strip().startswith("./dev serve") for line in first_lines)
    assert any(line.strip().startswith("./dev test") for line in first_lines)


def test_the_readme_links_every_docs_page() -> None:
    linked = {(README.parent / target.split("#", 1)[0]).resolve() for target in relative_links(README)}
    missing = [page.name for page in markdown_pages()[1:] if page.resolve() not in linked]
    assert not missing, f"páginas de docs/ sem link no README.md: {missing}"


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda page: page.relative_to(ROOT).as_posix())
def test_relative_links_lead_to_files_and_headings_that_exist(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists() or not destination.is_relative_to(ROOT):
            broken.append(f"{target} (arquivo inexistente)")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination.read_text("utf-8")):
            broken.append(f"{target} (seção inexistente)")
    assert not broken, f"{page.relative_to(ROOT)}: links quebrados: {broken}"


def test_no_file_cites_documents_outside_the_repository() -> None:
    citing = []
    for path in tracked_files():
        if not is_checked_text(path) or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE_CITATIONS.search(line):
                citing.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not citing, "citações de arquivos fora do repositório (cite a fonte pública):\n" + "\n".join(citing)
