"""protocol.md (and the README's quotes of the CLI) cannot drift from the code: every endpoint has its heading, every error code the
server can send is in the error table with its status, every context string is listed, and
every wire message is tabled with exactly its fields, types and sizes."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.editor import CUT
from cli.main import cli
from client_sdk import wire
from client_sdk.crypto import Context
from server import errors, routes, service
from tests.conftest import product_tree

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = (ROOT / "protocol.md").read_text(encoding="utf-8")
HEADING = re.compile(r"^### (GET|POST) (/\S+)$", re.MULTILINE)
EMITTED_CODE = [
    # code="x" (keyword) and class-level code = "x", including `code = "x" if ... else "y"`
    re.compile(r'\bcode\s*=\s*"([a-z_]+)"(?:\s+if\s[^\n]*?\selse\s+"([a-z_]+)")?'),
    re.compile(r'\bWireError\(\s*"([a-z_]+)"'),
    re.compile(r'\berror_response\(\s*[^,]+,\s*"([a-z_]+)"'),
]
# Codes the scan must find, so that a regex that stops matching cannot pass silently.
KNOWN_CODES = {
    "malformed_body", "invalid_field", "missing_field", "too_large", "invalid_username",
    "invalid_signature", "duplicate_record", "auth_required", "auth_failed", "token_expired",
    "device_revoked", "forbidden", "not_found", "method_not_allowed", "username_taken",
    "journal_exists", "record_conflict", "unsupported_media_type", "storage_unavailable",
    "internal_error", "conflict",
}  # fmt: skip


def section(title_start: str) -> str:
    """The text of the `## <title_start>...` section, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(title_start)}.*?$(.*?)(?=^## |\Z)", PROTOCOL, re.M | re.S)
    assert match, f"protocol.md has no section starting with {title_start!r}"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """Cells of every markdown table row in `text` (separator rows excluded)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def emitted_codes() -> set[str]:
    sources = [*sorted((ROOT / "server").rglob("*.py")), ROOT / "client_sdk" / "wire.py"]
    sources.append(ROOT / "client_sdk" / "wire_decoding.py")
    codes: set[str] = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for pattern in EMITTED_CODE:
            for match in pattern.finditer(text):
                codes.update(group for group in match.groups() if group)
    return codes


def documented_codes() -> dict[str, int]:
    """code -> HTTP status, from the table of section 7."""
    table: dict[str, int] = {}
    for cells in table_rows(section("7. Error codes")):
        code = re.fullmatch(r"`([a-z_]+)`", cells[0])
        if code:
            table[code.group(1)] = int(cells[1])
    return table


# --- endpoints ---------------------------------------------------------------------------------


def method_of(path: str) -> str:
    return "GET" if path == routes.LIVE_PATH else "POST"


@pytest.mark.parametrize("path", sorted(routes.ROUTES))
def test_every_endpoint_has_its_heading(path: str) -> None:
    assert (method_of(path), path) in HEADING.findall(PROTOCOL), (
        f"protocol.md needs a heading '### {method_of(path)} {path}'"
    )


def test_every_endpoint_heading_is_a_real_endpoint() -> None:
    headings = HEADING.findall(PROTOCOL)
    assert len(headings) == len(set(headings)), "an endpoint heading appears twice"
    for method, path in headings:
        assert path in routes.ROUTES, f"protocol.md documents {path}, which the server lacks"
        assert method == method_of(path)


def endpoint_text(path: str) -> str:
    match = re.search(
        rf"^### (?:GET|POST) {re.escape(path)}$(.*?)(?=^##|\Z)", PROTOCOL, re.M | re.S
    )
    assert match, path
    return match.group(1).strip()


@pytest.mark.parametrize("path", sorted(routes.ROUTES))
def test_each_endpoint_says_whether_it_needs_a_session(path: str) -> None:
    text = endpoint_text(path)
    if path in routes.PUBLIC_PATHS:
        assert text.startswith("**Public.**"), path
    else:
        assert text.startswith("Session required"), path


# --- error codes -------------------------------------------------------------------------------


def test_the_code_scan_finds_every_known_code() -> None:
    assert KNOWN_CODES <= emitted_codes()


def test_every_error_code_the_server_can_send_is_documented() -> None:
    missing = emitted_codes() - set(documented_codes())
    assert not missing, f"protocol.md section 7 lacks {sorted(missing)}"


def test_every_documented_error_code_can_be_sent() -> None:
    stale = set(documented_codes()) - emitted_codes()
    assert not stale, f"protocol.md section 7 lists codes nothing sends: {sorted(stale)}"


def test_documented_statuses_match_the_server_error_classes() -> None:
    table = documented_codes()
    classes = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ServerError)
    ]
    assert len(classes) > 5
    for cls in classes:
        assert table[cls.code] == cls.status, cls.__name__


# --- context strings ---------------------------------------------------------------------------


@pytest.mark.parametrize("context", list(Context), ids=lambda c: c.name)
def test_every_context_string_is_listed(context: Context) -> None:
    rows = {cells[0]: cells for cells in table_rows(section("4. Cryptography"))}
    cells = rows.get(f"`{context.name}`")
    assert cells, f"protocol.md's context table lacks {context.name}"
    assert cells[1] == f"`{context.value.decode('ascii')}`"
    assert cells[2] == str(len(context.value))


def test_the_server_uses_the_documented_contexts() -> None:
    assert service.CHALLENGE_CONTEXT == Context.LOGIN_CHALLENGE.value
    assert service.IDENTITY_CONTEXT == Context.IDENTITY.value


# --- wire messages -----------------------------------------------------------------------------

BOUNDS = {wire.U32: "2³²−1", wire.U63: "2⁶³−1"}


def expected_type_and_size(hint: Any, limits: Any) -> tuple[str, str]:
    """How protocol.md writes a field's type and size, derived from the wire definition."""

    def span(unit: str) -> str:
        if not limits:
            return ""
        lo, hi = limits["lo"], limits["hi"]
        text = f"exactly {lo}" if lo == hi else f"{lo}–{BOUNDS.get(hi, hi)}"
        return f"{text} {unit}".strip()

    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        name = f"`{item.__name__}`" if dataclasses.is_dataclass(item) else "bin"
        size = span("items")
        if limits and "item" in limits:
            lo, hi = limits["item"]["lo"], limits["item"]["hi"]
            size += f", each exactly {lo} bytes" if lo == hi else f", each {lo}–{hi} bytes"
        return f"array of {name}", size
    if dataclasses.is_dataclass(hint):
        return f"map `{hint.__name__}`", ""
    names = {bytes: ("bin", "bytes"), str: ("str", "chars"), int: ("int", ""), bool: ("bool", "")}
    type_name, unit = names[hint]
    return type_name, span(unit) if hint is not bool else ""


def wire_messages() -> list[type[Any]]:
    return [
        cls
        for cls in vars(wire).values()
        if isinstance(cls, type)
        and dataclasses.is_dataclass(cls)
        and cls.__module__ == wire.__name__
    ]


def documented_message(name: str) -> list[list[str]] | None:
    """Rows of the table that follows the line **`name`** in protocol.md."""
    match = re.search(rf"^\*\*`{name}`\*\*\n\n((?:\|.*\n)+)", PROTOCOL, re.MULTILINE)
    return table_rows(match.group(1))[1:] if match else None


@pytest.mark.parametrize("cls", wire_messages(), ids=lambda cls: cls.__name__)
def test_every_wire_message_is_tabled_with_its_fields_and_limits(cls: type[Any]) -> None:
    rows = documented_message(cls.__name__)
    assert rows is not None, f"protocol.md has no table for **`{cls.__name__}`**"
    hints = typing.get_type_hints(cls)
    expected = [
        [f"`{f.name}`", *expected_type_and_size(hints[f.name], f.metadata)]
        for f in dataclasses.fields(cls)
    ]
    assert [row[:3] for row in rows] == expected


@pytest.mark.parametrize(
    "value",
    [
        wire.MAX_BODY_BYTES,
        wire.MAX_RECORD_BYTES,
        wire.MAX_RECORDS_PER_PUSH,
        wire.MAX_RECORDS_PER_PAGE,
        wire.MAX_JOURNALS,
        wire.MAX_META_BYTES,
        wire.MAX_BUNDLE_BYTES,
        wire.MAX_TIME_MS,
        service.PAGE_BYTES,
    ],
)
def test_limits_are_in_the_limits_table(value: int) -> None:
    limits = section("2. Transport")
    assert str(value) in limits or f"{value:,}" in limits


# --- the attack table ----------------------------------------------------------------------------


def attack_rows() -> list[list[str]]:
    rows = table_rows(section("Attacks a hostile server can try"))
    assert rows[0] == ["attack", "defence", "test"]
    return rows[1:]


def test_every_attack_in_the_table_names_a_test_that_exists() -> None:
    rows = attack_rows()
    assert len(rows) >= 8
    for attack, defence, test in rows:
        named = re.fullmatch(r"`(tests/[\w/]+\.py)::(test_\w+)`", test)
        assert named, f"attack {attack!r}: {test!r} is not `tests/path.py::test_name`"
        path, name = named.groups()
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^(async )?def {name}\(", source, re.M), f"{path} has no {name}"
        assert defence, f"attack {attack!r} names no defence"


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_inside_protocol_md_reaches_a_heading() -> None:
    headings = re.findall(r"^#+ (.+)$", PROTOCOL, re.MULTILINE)
    anchors = {github_anchor(heading) for heading in headings}
    links = re.findall(r"\]\(#([^)\s]+)\)", PROTOCOL)
    assert len(links) > 50  # the pattern still finds the links
    assert sorted({link for link in links if link not in anchors}) == []


def test_the_readme_and_the_help_quote_the_editors_scissors_line_exactly() -> None:
    """NU14 finding 2: a script looking for the README's scissors line must find it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = re.findall(r"`(#[^`]*>8[^`]*)`", readme)
    assert quoted and all(line == CUT for line in quoted)
    shown = CliRunner().invoke(cli, ["write", "--help"], terminal_width=80).output
    assert any(line.strip() == CUT for line in shown.splitlines())


def json_keys() -> dict[str, set[str]]:
    """Every key a `--json` object can hold, by where it is made: the string keys of the dict
    literals of each SDK class's `to_dict` and of `tj sync --json`'s own shape
    (`cli.output.sync_dict`, `set_aside_row`), read from the source."""
    import ast

    found: dict[str, set[str]] = {}

    def keys_of(node: ast.AST, where: str) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Dict):
                for key in sub.keys:
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        found.setdefault(key.value, set()).add(where)

    for path in sorted((ROOT / "client_sdk").glob("*.py")):
        for cls in ast.walk(product_tree(path)):
            if isinstance(cls, ast.ClassDef):
                for node in cls.body:
                    if isinstance(node, ast.FunctionDef) and node.name == "to_dict":
                        keys_of(node, f"{cls.name}.to_dict")
    for path in sorted((ROOT / "cli").glob("*.py")):  # NU78 F3: `earlier_dict` was not read
        for node in ast.walk(product_tree(path)):
            if isinstance(node, ast.FunctionDef) and (
                node.name.endswith("_dict") or node.name == "set_aside_row"
            ):
                keys_of(node, node.name)
    return found


def test_every_json_key_is_named_in_the_readme() -> None:
    """nu76 F7: keys an app meets in `--json` (`flags_reach`, `undelivered_flags`, ...) that
    README named nowhere. Each is named there, in backticks or quotes, so that a new key
    left undocumented fails here."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = json_keys()
    assert {"flags_reach", "undelivered_flags", "shown_plan", "before_share"} <= set(found)
    missing = {
        key: sorted(where)
        for key, where in found.items()
        if not re.search(rf"[`\"]{re.escape(key)}[`\"]", readme)
    }
    assert missing == {}, missing


def test_the_keys_readme_gives_tj_sync_json_are_the_ones_it_prints() -> None:
    """NU78 F3: README listed `compacted` among `tj sync --json`'s keys, which it never
    printed, and named `earlier_credential_changes`, which it prints, nowhere. The keys of
    its sentence are the keys `tj sync --json` prints, each printed key named there."""
    from cli.output import sync_dict
    from cli.syncing import earlier_dict
    from client_sdk.sync import SyncReport

    printed = set(sync_dict(SyncReport())) | set(earlier_dict(None, None))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("`tj sync --json`'s `undelivered_flags`")
    sentence = readme[start : readme.index(";", readme.index("`credential_changes`", start))]
    named = set(re.findall(r"`([a-z_]+)`", re.sub(r"\([^()]*\)", "", sentence)))
    assert named - printed == set(), named - printed
    said = {key for key in printed if re.search(rf"[`\"]{key}[`\"]", readme)}
    assert printed - said == set(), printed - said


def test_every_option_of_measure_take_is_in_the_readme() -> None:
    """NU78 F2: README's questionnaire lines never named `tj measure take --difficulty` (nor
    `--result-id`): a script could not record the PHQ-9's closing question from README (ten
    answers were refused). Each option of the command is on one of README's `tj measure
    take` lines or their comments."""
    import importlib

    from cli.main import cli

    importlib.import_module("cli.measures")  # registers the command

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\ntj measure take ")
    block = readme[start : readme.index("\n```", start)]
    command = cli.commands["measure"].commands["take"]  # type: ignore[attr-defined]
    options = {o for p in command.params for o in p.opts if o.startswith("--")}
    assert {"--difficulty", "--answers"} <= options
    assert sorted(o for o in options if not re.search(rf"{o}\b", block)) == []
