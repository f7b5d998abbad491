"""NU19 C20: a note or prompt sent to the wrong client can be withdrawn, by the therapist who
wrote it (`tj notes withdraw ID`), and a client can withdraw one in their own journal; it
leaves `tj notes` on every device at its next sync, the withdrawn text is cleared on the
author's side, and nobody else can withdraw it (real server on loopback, real crypto)."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result

from client_sdk.replica import stored_document
from tests.conftest import RunningServer
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device

WRONG = "About your sister's visit on Thursday: let's talk it through."


async def test_a_misdirected_note_is_withdrawn_and_leaves_the_clients_device(
    live_server: RunningServer, tmp_path: Path
) -> None:
    maya = await new_device(live_server, tmp_path, "maya")
    june = await new_device(live_server, tmp_path, "june")
    drlee = await new_device(live_server, tmp_path, "drlee")
    for client in (maya, june):
        await client.ok(
            "share", "Personal", "drlee", "--full", "--role", "annotate", "--trust-on-first-use"
        )
    await drlee.ok("sync")
    wrong = (await drlee.ok("note", "june/Personal", WRONG)).stdout.strip()  # meant for maya
    assert [n["text"] for n in await june.json("notes")] == [WRONG]  # june has it

    # Only the author or the journal's owner: not drlee with june's own note.
    own = (await june.ok("note", "Personal", "For myself.")).stdout.strip()
    await drlee.ok("sync")
    refused = failed_with_one_line(await drlee.tj("notes", "withdraw", own[:8], "--yes"))
    assert "is june's: only its author or the journal's owner can withdraw it" in refused
    declined = await drlee.tj("notes", "withdraw", wrong[:8], input="n\n")
    assert declined.exit_code == 1 and "Withdraw the note in june/Personal" in declined.stderr
    assert len(await drlee.json("notes")) == 2  # not withdrawn: it asked, and was told no

    withdrawn = await drlee.ok("notes", "withdraw", wrong[:8], input="y\n")
    assert "Withdrew the note in june/Personal" in withdrawn.stderr
    assert [n["text"] for n in await drlee.json("notes")] == ["For myself."]
    assert [n["text"] for n in await june.json("notes")] == ["For myself."]  # gone at its sync
    await drlee.ok("note", "maya/Personal", WRONG)  # and sent to the right client
    assert [n["text"] for n in await maya.json("notes")] == [WRONG]
    again = failed_with_one_line(await drlee.tj("notes", "withdraw", wrong[:8], "--yes"))
    assert "was already withdrawn" in again

    # The author's withdrawal cleared the text itself, not only hid it (june's device).
    from client_sdk import Client

    async with await Client.open(june.home) as opened:
        stored = await opened.store.document(bytes.fromhex(wrong))
        assert stored is not None
        document = stored_document(stored)
        assert document.field("deleted") is True and document.text("body") == ""

    # A client withdraws a therapist's prompt in her own journal: only marked deleted.
    prompt = (await drlee.ok("note", "maya/Personal", "--prompt", "What helped?")).stdout
    await maya.ok("sync")
    await maya.ok("notes", "withdraw", prompt.strip()[:8], "--yes")
    assert [n["kind"] for n in await maya.json("notes")] == ["note"]  # the right one stays
    assert [n["kind"] for n in await drlee.json("notes", "--journal", "maya/Personal")] == ["note"]


def error_line(result: Result) -> str:
    """The `Error: ...` line of a command that failed (exit 1, no traceback), after the
    notices its sync printed first (that the share changed)."""
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    [line] = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
    return line


async def test_a_note_the_therapist_can_no_longer_withdraw_says_who_can_and_how(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU20 C4: once the client made the share read-only, or ended it, the therapist's own
    misdirected note cannot be withdrawn by them: the error says that only the client can
    remove it now and the command to ask them to run, and that command works for the client."""
    june = await new_device(live_server, tmp_path, "june")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await june.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drlee.ok("sync")
    first = (await drlee.ok("note", "june/Personal", WRONG)).stdout.strip()
    await june.ok("share", "Personal", "drlee", "--role", "read")
    refused = error_line(await drlee.tj("notes", "withdraw", first[:8], "--yes"))
    assert f"you can no longer withdraw your note {first[:12]} in june/Personal" in refused
    assert "read-only" in refused
    assert "to add notes" not in refused and "annotate role" not in refused  # NU38 N8
    assert (
        f"Only june can remove it now: ask june to run `BARE tj notes withdraw {first[:12]}`"
        in (refused)
    )
    await june.ok("share", "Personal", "drlee", "--role", "annotate")
    await drlee.ok("sync")
    second = (await drlee.ok("note", "june/Personal", "Wrong client note #2")).stdout.strip()
    await june.ok("unshare", "Personal", "drlee", "--yes")
    ended = error_line(await drlee.tj("notes", "withdraw", second[:8], "--yes"))
    assert (
        f"Only june can remove it now: ask june to run `BARE tj notes withdraw {second[:12]}`"
        in (ended)
    )
    # What the therapist is told to ask for works.
    for note in (first, second):
        await june.ok("notes", "withdraw", note[:8], "--yes")
    assert await june.json("notes") == []


async def test_a_withdrawal_the_server_refused_says_who_can_remove_the_note_now(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """R28 F3: the therapist withdrew offline, before their device learned that the client
    made the share read-only; the server refuses the withdrawal at the next sync. `tj sync`
    says the withdrawal was not delivered and who can remove the note now (NU20 C4), and `tj
    notes` keeps listing it, marked, while the client still reads it."""
    june = await new_device(live_server, tmp_path, "june")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await june.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drlee.ok("sync")
    wrong = (await drlee.ok("note", "june/Personal", WRONG)).stdout.strip()
    await june.ok("share", "Personal", "drlee", "--role", "read")
    from client_sdk import Client

    async with await Client.open(drlee.home) as offline:  # no sync: it still says annotate
        await offline.notes.withdraw(wrong)
    synced = await drlee.tj("sync")
    assert "Traceback" not in synced.output, synced.output
    assert "Withdrawal not delivered" in synced.stderr
    ask = f"Only june can remove it now: ask june to run `BARE tj notes withdraw {wrong[:12]}`"
    assert ask in " ".join(synced.stderr.split())
    [listed] = await drlee.json("notes")
    assert listed["id"] == wrong and listed["delivered"] is False
    assert ask.replace("BARE ", "") in listed["withdrawal_refused"]  # JSON: never marked
    assert [n["text"] for n in await june.json("notes")] == [WRONG]  # june still reads it
    await june.ok("notes", "withdraw", wrong[:8], "--yes")  # what drlee is told to ask for
    assert await june.json("notes") == []
    assert await drlee.json("notes") == []  # withdrawn for good now: no longer marked
    # ... so nothing is left to withdraw: the refused withdrawal is no longer set aside,
    # and `tj sync` says all is delivered (exit 0, not 4).
    assert await drlee.json("set-aside", "list") == []
    synced = await drlee.tj("sync")
    assert synced.exit_code == 0 and "not delivered" not in synced.stderr, synced.output


async def test_a_withdrawal_that_would_be_refused_is_refused_before_the_question(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU23 C8: `tj notes withdraw` asked "Withdraw the note ...? [y/N]", and only after a
    "y" said the therapist can no longer withdraw it (the client made the share read-only).
    Check first, ask after: the refusal comes without the question, answered or not (a
    script without a terminal gets the refusal, not "Aborted!")."""
    june = await new_device(live_server, tmp_path, "june")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await june.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drlee.ok("sync")
    note = (await drlee.ok("note", "june/Personal", WRONG)).stdout.strip()
    await june.ok("share", "Personal", "drlee", "--role", "read")
    for answer in ("y\n", None):
        refused = await drlee.tj("notes", "withdraw", note[:8], input=answer)
        assert "Withdraw the note" not in refused.stderr, refused.stderr
        assert "Aborted" not in refused.stderr, refused.stderr
        line = error_line(refused)
        assert f"you can no longer withdraw your note {note[:12]} in june/Personal" in line
    assert [n["text"] for n in await drlee.json("notes")] == [WRONG]  # nothing withdrawn
    # Withdrawable again: the question comes, and "n" leaves it.
    await june.ok("share", "Personal", "drlee", "--role", "annotate")
    declined = await drlee.tj("notes", "withdraw", note[:8], input="n\n")
    assert declined.exit_code == 1 and "Withdraw the note in june/Personal" in declined.stderr
    assert [n["text"] for n in await drlee.json("notes")] == [WRONG]
