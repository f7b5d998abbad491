"""What a command does once the reader of its stderr went away (`tj ... 2>&1 | head -1`):
no question is answered unseen. And a set-aside change of a journal whose name starts its
reason's first word is still named."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest

from cli import output, syncing
from client_sdk.sync import SetAside, SyncReport


@pytest.fixture
def stderr_closed() -> Iterator[None]:
    output.STDERR_CLOSED.append(True)
    try:
        yield
    finally:
        output.STDERR_CLOSED.clear()


def test_a_question_for_a_closed_stderr_is_not_asked_even_with_a_yes_piped(
    stderr_closed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A "y" on stdin once stderr's reader went away would answer a question nobody saw
    (`tj logout 2>&1 | head -1` on a device the server refuses: it deletes the local copy):
    refused, naming the flag that skips the question."""
    asked: list[str] = []
    monkeypatch.setattr(click, "confirm", lambda text, **_: asked.append(text) or True)
    with pytest.raises(click.ClickException) as refused:
        output.confirm("Delete this device's copy?", err=True)
    assert "--yes" in refused.value.message and "nothing was done" in refused.value.message
    assert asked == []


def test_a_set_aside_change_names_a_journal_whose_name_starts_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A journal named "the" whose change was refused with a reason starting "theory" is
    named: the reason names the journal itself only when it starts with the name and a
    space ("ana/Personal is no longer shared with you")."""
    said: list[str] = []
    monkeypatch.setattr(output, "message", lambda text, **_: said.append(text))
    report = SyncReport()
    report.set_aside.append(
        SetAside("00" * 16, "the", "11" * 16, None, "forbidden", "theory says no")
    )
    syncing.show_report(report, as_json=False)
    assert any("the: theory says no" in line for line in said), said
