"""The pure core never does I/O: it imports no HTTP, database or CLI library, and the server
imports nothing of the SDK but the wire module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import product_tree

ROOT = Path(__file__).resolve().parent.parent
PURE = [
    "crypto", "keys", "records", "documents", "wire", "wire_decoding", "sync", "errors", "goals", "prompts", "search",
    "insights", "report", "archive", "journal_meta", "scoring", "results", "safety",
    "queries", "templates", "schedule", "caseload", "caseload_html", "brief", "score_charts",
    "access",
    "withholding", "care_disclosure", "patterns", "pixels", "foreign", "upload_limit",
    "care_archive", "error_words", "settling", "passwords", "care_terms", "undelivered",
    "carrying", "twin_inserts", "inputs", "yjs_binary", "copy_journals", "same_names",
    "withdrawals",
]  # fmt: skip
IO_LIBRARIES = {"aiohttp", "aiosqlite", "click", "rich", "sqlite3", "socket", "asyncio"}


def imported_modules(path: Path) -> set[str]:
    tree = product_tree(path)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE)
def test_pure_core_module_does_no_io(module: str) -> None:
    imports = imported_modules(ROOT / "client_sdk" / f"{module}.py")
    assert not {name.split(".")[0] for name in imports} & IO_LIBRARIES
    assert not {"client_sdk.store", "client_sdk.transport", "client_sdk.client"} & imports


def test_server_imports_only_the_wire_module_of_the_sdk() -> None:
    for path in (ROOT / "server").rglob("*.py"):
        sdk_imports = {name for name in imported_modules(path) if name.startswith("client_sdk")}
        assert sdk_imports <= {"client_sdk", "client_sdk.wire"}, path
        if "client_sdk" in sdk_imports:
            assert "from client_sdk import wire" in path.read_text(), path


def test_cli_does_no_crypto_or_http_of_its_own() -> None:
    for path in (ROOT / "cli").rglob("*.py"):
        imports = {name.split(".")[0] for name in imported_modules(path)}
        assert not imports & {"nacl", "aiohttp", "aiosqlite", "msgpack", "pycrdt"}, path
