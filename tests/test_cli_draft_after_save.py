"""A Ctrl-C that comes after `tj write` or `tj edit` saved the text on this device (during the
sync that follows) keeps no editor draft: saving that draft again, as a kept draft's message
says to, would write the entry twice (fix-nu36c's leftover; piped text: rev-nu36a R4). A
Ctrl-C before the save still keeps the draft (tests/test_cli_journal_features.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import Device
from tests.test_cli_journal_features import (  # noqa: F401  (fixtures)
    ana,
    editor_script,
    stdin_is_a_terminal,
)


def interrupted_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync after the save is interrupted (Ctrl-C), as a user who gives up waiting on a
    slow network does."""

    async def interrupted(*_: object, **__: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.entries.sync_note", interrupted)


def drafts(device: Device) -> list[Path]:
    folder = device.home / "drafts"
    return sorted(folder.iterdir()) if folder.exists() else []


async def test_ctrl_c_during_the_sync_after_a_write_in_the_editor_keeps_no_draft(
    ana: Device,  # noqa: F811
    tmp_path: Path,
    stdin_is_a_terminal: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interrupted_sync(monkeypatch)
    failed = await ana.tj("write", "--mood", "4", env=editor_script(tmp_path, "Saved once."))
    said = failed.output
    assert failed.exit_code != 0
    assert drafts(ana) == []  # the entry is saved: a draft would save it a second time
    assert "kept in" not in said and "--draft" not in said
    monkeypatch.undo()
    assert [e["body"] for e in await ana.json("list")] == ["Saved once."]


async def test_ctrl_c_during_the_sync_after_an_edit_in_the_editor_keeps_no_draft(
    ana: Device,  # noqa: F811
    tmp_path: Path,
    stdin_is_a_terminal: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry_id = (await ana.ok("write", "First words.")).stdout.strip()
    interrupted_sync(monkeypatch)
    failed = await ana.tj("edit", entry_id, env=editor_script(tmp_path, "Changed words. "))
    assert failed.exit_code != 0
    assert drafts(ana) == []
    assert "kept in" not in failed.output
    monkeypatch.undo()
    assert (await ana.json("show", entry_id))["body"].startswith("Changed words.")


async def test_ctrl_c_before_the_save_still_keeps_the_draft_and_says_how_to_save_it(
    ana: Device,  # noqa: F811
    tmp_path: Path,
    stdin_is_a_terminal: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.entries.write_entry", interrupted)
    failed = await ana.tj("write", env=editor_script(tmp_path, "Not saved yet."))
    [draft] = drafts(ana)
    assert "Not saved yet." in draft.read_text()
    assert str(draft) in failed.output and "--draft" in failed.output
    monkeypatch.undo()
    assert await ana.json("list") == []
