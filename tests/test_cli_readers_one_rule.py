"""Who reads a journal is one rule (`readers.journal_readers`): `tj journal default`'s
"readers left" question and `tj write --draft`'s "read by" counted a member whose signed
end date had passed differently (the first left them out, the second named them, by
`client.journals.readers`, a copy of the rule that kept them). Both now count who receives
what is written next: a member past their end date receives nothing written from then on
(a push ends the share and moves the journal to a new key first), so neither names them;
`client.journals.readers(ended=True)` does (they hold the keys of what it held). Real `tj`
against a real server on loopback; this device's clock moved on past the end date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from client_sdk.models import now_ms
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat
from tests.test_cli_nu72_drafts import kept_draft

DAY_MS = 24 * 3600 * 1000


def days_later(monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    """The clock of what counts readers (`client.journals`) `days` on: past the end date of
    the share below, before any sync ends it."""
    later = now_ms() + days * DAY_MS
    monkeypatch.setattr("client_sdk.journals.now_ms", lambda: later)


async def test_the_draft_and_the_default_journal_count_a_member_past_their_end_alike(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Therapy, ana's default journal, is shared with drw until tomorrow; a draft was
    written for Personal. Three days on, before any sync: `tj journal default Personal`
    asks nothing (nobody left), and `tj write --draft FILE` refuses to put the draft into
    Therapy saying it is read by no one else (it said "read by drw")."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drw")
    refused = await ana.tj("write", input="y" * 100_001)  # too long: kept as a draft
    draft = kept_draft(flat(refused.stderr))
    await ana.ok("journal", "create", "Therapy")
    await ana.ok("share", "Therapy", "drw", "--until", "tomorrow", "--trust-on-first-use")
    await ana.ok("journal", "default", "Therapy", "--even-if-shared", "--yes")
    shared = await ana.tj("write", "--draft", str(draft))
    assert shared.exit_code == 1, shared.output
    assert "your default journal 'Therapy', read by drw, so" in flat(shared.stderr)

    days_later(monkeypatch, 3)
    plain = await ana.tj("write", "--draft", str(draft))
    said = flat(plain.stderr)
    assert plain.exit_code == 1, said
    assert "your default journal 'Therapy', read by no one else, so nothing was saved" in said
    moved = await ana.tj("journal", "default", "Personal", input="")
    assert moved.exit_code == 0, moved.output  # not asked: nobody left
    assert "Note:" not in flat(moved.stderr), moved.stderr


async def test_the_sdk_counts_a_member_past_their_end_only_for_what_the_journal_holds(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """drlee reads Personal until an hour from now. Two hours on: `journals.readers` names
    nobody (what is written next), `readers(ended=True)` names drlee (what it holds), and
    moving the default away to Dreams is not refused (nobody is left), the same count."""
    ana, drlee = await signup("ana"), await signup("drlee")
    await share_with(ana, drlee, expires_at=datetime.now(UTC) + timedelta(hours=1))
    await ana.journals.create("Dreams")
    assert await ana.journals.readers("Personal") == ["drlee"]
    with monkeypatch.context() as later:
        later.setattr("client_sdk.journals.now_ms", lambda: now_ms() + 2 * 3600 * 1000)
        assert await ana.journals.readers("Personal") == []
        assert await ana.journals.readers("Personal", ended=True) == ["drlee"]
        assert (await ana.journals.set_default("Dreams")).name == "Dreams"
