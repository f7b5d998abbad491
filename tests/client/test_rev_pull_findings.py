"""Review findings on the perf-pull branch (signature helper process), fixed: the helper runs
in Python's isolated mode from the root directory (REV-PULL F1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import replica, verifying
from tests.client.test_verify_helper import forge_record, server_db
from tests.conftest import ClientFactory, RunningServer

FAKE_BINDINGS = """
import os

open(os.path.join(os.path.dirname(__file__), "..", "RAN"), "w").write("cwd code ran")

def crypto_sign_open(signed, public_key):
    return signed[64:]  # every signature "verifies"
"""


def _close_helper() -> None:
    started = verifying._STATE.get("helper")
    if isinstance(started, verifying._Helper):
        started.close()


async def test_a_nacl_package_in_the_cwd_neither_runs_nor_verifies_forged_records(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # A directory the user happens to run the app from (a downloaded archive, a clone)
    # holding a `nacl` package; the process itself never imports from it.
    planted = tmp_path / "downloads"
    (planted / "nacl").mkdir(parents=True)
    (planted / "nacl" / "__init__.py").write_text("")
    (planted / "nacl" / "bindings.py").write_text(FAKE_BINDINGS)
    monkeypatch.setattr(verifying, "_STATE", {})  # a helper of this test's own
    page = replica.VERIFY_AHEAD_MIN + 16
    monkeypatch.setattr(replica, "PULL_PAGE", page)
    laptop = await signup("ana")
    personal = bytes.fromhex((await laptop.journals.get("Personal")).id)
    for i in range(3 * page - 1):
        await laptop.entries.write("Personal", f"Body {i}", title=f"T{i}")
    await laptop.sync()
    with server_db(live_server) as db:
        # The hostile server appends a record signed by a stranger (last page: asked ahead).
        forged = forge_record(db, laptop, personal)
    # The laptop's own pull may have started a helper: the phone's app starts its own, from
    # the planted directory.
    _close_helper()
    monkeypatch.setattr(verifying, "_STATE", {})
    monkeypatch.chdir(planted)
    phone = await login("ana")
    try:
        await phone.sync()
    finally:
        _close_helper()
    ran = (planted / "RAN").exists()
    titles = {entry.title for entry in await phone.entries.list()}
    problems = {problem.record_id for problem in await phone.problems()}
    assert "Forged" not in titles  # the stranger's record is not applied
    assert forged in problems  # but refused and reported
    assert not ran, "code from the current directory ran in the helper"
