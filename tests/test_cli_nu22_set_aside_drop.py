"""NU22 C11 through the CLI: a note set aside because the share ended is refused at every
retry (exit 4). `tj set-aside retry` now says how to drop it, and `tj set-aside drop` forgets
it after a confirmation; a note that never reached the server goes from this device with it
(real server on loopback, real crypto)."""

from __future__ import annotations

from pathlib import Path

from cli.main import NOT_DELIVERED_EXIT
from tests.conftest import RunningServer
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device


async def test_a_note_refused_for_good_can_be_dropped_after_a_confirmation(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("share", "Personal", "tom", "--full", "--role", "annotate", "--trust-on-first-use")
    await tom.ok("sync")
    await tom.ok("note", "ana/Personal", "Delivered before the end.")
    await ana.ok("unshare", "Personal", "tom", "--yes")  # tom's device does not know yet
    noted = await tom.tj("note", "ana/Personal", "Written on the train.")
    assert noted.exit_code == NOT_DELIVERED_EXIT

    retried = await tom.tj("set-aside", "retry")
    assert retried.exit_code == NOT_DELIVERED_EXIT
    said = " ".join(retried.stderr.split())
    assert "[forbidden]" not in said  # words, not the server's code
    assert "then drop it with `tj set-aside drop ID` (or `--all`)" in said
    [kept] = await tom.json("set-aside", "list")
    short = kept["doc_id"][:8]  # the note's own id (NU41 #8: the record's was shown)
    assert short in said and short in (await tom.ok("set-aside", "list")).stdout
    assert kept["record_id"][:8] not in said

    failed_with_one_line(await tom.tj("set-aside", "drop", "ffffffff", "--yes"))
    assert (await tom.tj("set-aside", "drop")).exit_code == 2  # an ID or --all
    declined = await tom.tj("set-aside", "drop", short, input="n\n")
    assert declined.exit_code == 1 and "Written on the train." in declined.stderr
    assert len(await tom.json("set-aside", "list")) == 1  # nothing dropped

    dropped = await tom.ok("set-aside", "drop", short, input="y\n")
    assert (
        "Dropped 1 change set aside; 1 item the server said it never stored (removed from this "
        "device; if another device reads it, the server lied: compare `tj verify-head "
        "ana/Personal` codes)."
    ) in " ".join(dropped.stderr.split())
    assert await tom.json("set-aside", "list") == []
    texts = [n["text"] for n in await tom.json("notes")]
    assert texts == ["Delivered before the end."]  # the note delivered stays, as delivered
    again = await tom.tj("set-aside", "retry")
    assert again.exit_code == 0 and "Retried 0 changes" in again.stderr
    assert "NU22" not in again.stderr  # no ticket numbers in what a user reads (NU23 C1)
    assert (await tom.tj("sync")).exit_code == 0  # nothing looks withheld or refused
    await ana.ok("sync")
    assert [n["text"] for n in await ana.json("notes")] == ["Delivered before the end."]
    assert (await ana.tj("sync")).exit_code == 0  # no record of tom looks withheld
