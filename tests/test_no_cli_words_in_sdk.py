"""NU45 #4: the SDK is embedded in apps that have no `tj` command, so no sentence it can give
an app names a `tj` command or a CLI flag: the facts an app needs are fields (or the error's
`subject`), and the CLI adds its own commands. A scan of every string literal in
client_sdk/*.py outside docstrings (and of the strings of client_sdk/data/*.json) finds
those that still do; the allow-list below names the few that never reach an app's user."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import product_tree

SDK = Path(__file__).resolve().parent.parent / "client_sdk"

CLI_WORDS = re.compile(r"`tj\b|\btj [a-z]|(?<![\w-])--[a-z][a-z-]*")
"""A `tj` command (`` `tj sync` ``, "tj share ...") or a CLI flag (`--journal`, `--yes`)."""

ALLOWED = {
    # Reference text in the safety wording's data file: `safety.texts()` returns it, but
    # nothing shows it (`respond` and the flag texts read other keys); it documents where
    # the wording comes from, for whoever edits the file.
    ("data/safety.json", "notes"),
    ("data/safety.json", "sources"),
    # Style sheets of the HTML pages the SDK renders: their custom properties (`--ink`,
    # `var(--card)`) are CSS, not words a user reads.
    ("report.py", "STYLE"),
    ("pixels.py", "STYLE"),
    ("score_charts.py", "STYLE"),
    ("caseload_html.py", "EXTRA_STYLE"),
    # The text a logout's triggers refuse a write with, which every version of the SDK
    # compares by equality: triggers written by one version live on in the store file and
    # refuse the writes of a program running another, so it stays byte for byte as it was.
    # This version never shows it (ClientClosed says database.LOGGED_OUT_ELSEWHERE).
    ("database.py", "LOGGED_OUT_TRIGGER_TEXT"),
}
"""(file under client_sdk/, assignment target or top-level JSON key) of literals that never
reach an app's user."""


def python_literals() -> Iterator[tuple[str, str, int, str]]:
    """Each string constant of client_sdk/*.py but docstrings (a module's, class's or
    function's first statement, and an attribute's string after its assignment), with the
    name it is assigned to, for the allow-list: (file, name or "", line, text). One walk of
    each tree (of ~440,000 nodes in all) finds the three."""
    for path in sorted(SDK.glob("*.py")):
        skip: set[int] = set()
        named: dict[int, str] = {}
        strings: list[ast.Constant] = []
        for node in ast.walk(product_tree(path)):
            if isinstance(node, ast.Constant):
                if isinstance(node.value, str):
                    strings.append(node)
                continue
            body = getattr(node, "body", None)
            if isinstance(body, list):
                for statement in body:
                    if isinstance(statement, ast.Expr) and isinstance(
                        statement.value, ast.Constant
                    ):
                        skip.add(id(statement.value))
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                name = ast.unparse(target)
                for inner in ast.walk(node.value):
                    named.setdefault(id(inner), name)
        for node in strings:
            if id(node) not in skip:
                yield path.name, named.get(id(node), ""), node.lineno, node.value


def json_literals() -> Iterator[tuple[str, str, int, str]]:
    def strings(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for inner in value.values():
                yield from strings(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from strings(inner)

    for path in sorted((SDK / "data").rglob("*.json")):
        top = json.loads(path.read_text("utf-8"))
        for key, value in top.items() if isinstance(top, dict) else [("", top)]:
            for text in strings(value):
                yield str(path.relative_to(SDK)), key, 0, text


def test_the_scan_finds_commands_and_flags() -> None:
    assert CLI_WORDS.search("run `tj sync` first")
    assert CLI_WORDS.search("(tj share-entry)")
    assert CLI_WORDS.search("pass --unlisted")
    assert CLI_WORDS.search("(`--journal NAME`)")
    assert CLI_WORDS.search("(`--owner-only`)")
    assert CLI_WORDS.search("(tj forget --unlisted)")
    assert not CLI_WORDS.search("a tj-like word, 2--3 days, client.shares.forget")


def test_no_sdk_literal_names_a_tj_command_or_a_cli_flag() -> None:
    left = sorted(
        f"{file}:{line} ({name or '-'}): {text[:110]!r}"
        for file, name, line, text in (*python_literals(), *json_literals())
        if CLI_WORDS.search(text) and (file, name) not in ALLOWED
    )
    assert not left, "SDK words naming a `tj` command or a CLI flag:\n" + "\n".join(left)
