"""Findings of a new user's review of `tj` (NU74 F1, F4), each through a real `tj` (and the
SDK) against a real server on loopback, the server stopped with the `outage` fixture:
offline, `tj logout` counted an unsent item-9 safety flag as one of "Changes to 2 items
(entries, goals, notes...)" and never named it, though discarding deletes it and the
therapist never gets it, and advised `tj export`, which keeps no flag's delivery. And its
draft words: a capital "Save" mid-sentence, and a command that fails for a draft kept for
its length."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk import Client, UnsyncedChanges
from client_sdk.documents import MAX_BODY
from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat
from tests.test_cli_nu72_drafts import kept_draft

FLAG = "The safety flag of your PHQ-9 of "
NEVER = (
    "for drsmith has NOT left this device: logging out deletes it, and drsmith will never get it."
)


async def flag_offline(
    live_server: RunningServer, ana: Device, stopper: Outage, tmp_path: Path
) -> None:
    """ana's Personal shared with drsmith with safety flags; offline, a PHQ-9 with item 9
    answered 2: its result and its flag wait on this device."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await stopper.begin()
    await ana.tj("measure", "take", "phq9", "--answers", "1,1,1,0,0,0,0,0,2")


async def test_logout_names_an_unsent_safety_flag_it_would_delete(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The question, the `--yes` refusal (text and `--json` `unsent_flags`) and the notice
    after `--yes --discard-unsynced` name the flag (its date, item 9's answer, for drsmith),
    say drsmith will never get it, and to sync first or tell drsmith directly; the export is
    offered for the words only."""
    await flag_offline(live_server, laptop, outage, tmp_path)
    app = await Client.open(laptop.home)  # the SDK names it too
    try:
        with pytest.raises(UnsyncedChanges) as raised:
            await app.logout()
        [flag] = raised.value.flags
        assert flag.members == ("drsmith",) and (flag.item, flag.answer) == (9, 2)
        assert f"among them {flag.named()} for drsmith, which never reaches them" in str(
            raised.value
        )
    finally:
        await app.close()

    declined = await laptop.tj("logout", input="n\n")
    said = flat(declined.stderr)
    assert declined.exit_code == 1, said
    assert f"{FLAG}" in said and "(item 9 answered 2; flag " in said, said
    assert NEVER in said, said
    assert (
        "If it cannot be sent first, tell drsmith yourself (an export keeps no safety "
        "flag's delivery: no import sends one)." in said
    ), said
    assert said.count("`tj sync`") == 1, said  # how to send it said once (nu76 F9)
    assert "save their words first with `tj export --out DIR`" in said, said
    assert "save them first with `tj export" not in said, said

    refused = await laptop.tj("logout", "--yes", "--json")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, said
    assert NEVER in said and "cannot be sent first, tell drsmith yourself" in said, said
    error = json.loads(refused.stdout)
    [row] = error["error"]["unsent_flags"]
    assert row["id"] == flag.flag_id and row["measure"] == "phq9", row
    assert (laptop.home / "profile").exists()

    done = await laptop.tj("logout", "--yes", "--discard-unsynced", "--json")
    said = flat(done.stderr)
    assert done.exit_code == 0, said
    assert (
        f"{flag.named()[:1].upper()}{flag.named()[1:]} for drsmith was deleted with them, "
        "unsent: drsmith will never get it. If you want them to know, tell drsmith "
        "yourself." in said
    ), said
    [row] = json.loads(done.stdout)["flags_discarded"]
    assert row["id"] == flag.flag_id, row
    assert not (laptop.home / "profile").exists()


async def test_logout_names_each_draft_with_its_command_shortened_first_when_too_long(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    """A draft kept because it was longer than an entry holds: `tj logout` (with unsynced
    changes too) names it with its command, after "shorten it to 100,000 characters" (its
    command alone fails, as the original refusal said), as the draft file's own comment
    does; the `--yes` refusal says "save it first" mid-sentence, never "; Save"."""
    await laptop.ok("journal", "create", "Dreams")
    await outage.begin()
    refused = await laptop.tj("write", "--journal", "Dreams", input="x" * (MAX_BODY + 1))
    draft = kept_draft(flat(refused.stderr))
    shorten = f"shorten it to {MAX_BODY:,} characters, then `tj write --journal "
    assert shorten in flat(refused.stderr), refused.stderr
    kept = draft.read_text(encoding="utf-8")
    comment = f"# Shorten it to {MAX_BODY:,} characters (above the line) first"
    assert comment in kept, kept[-400:]
    await laptop.tj("write", "Kept offline")  # an unsynced change too

    declined = await laptop.tj("logout", input="n\n")
    said = flat(declined.stderr)
    assert declined.exit_code == 1, said
    assert f"save it first ({shorten}" in said and f"--draft {draft}`)" in said, said
    assert "Changes to 1 entry on this device" in said, said  # by kind (nu76 F9)

    refused = await laptop.tj("logout", "--yes")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, said
    assert "; Save" not in said, said
    assert f"; save it first ({shorten}" in said and f"--draft {draft}`)" in said, said
    assert draft.exists() and (laptop.home / "profile").exists()


async def test_account_delete_counts_what_waits_here_after_its_sync(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`tj account delete` counted the changes that had not reached the server before the
    sync it runs first, which sends them: "Changes to 2 items ... erasing the account deletes
    them for good; the export above keeps them" about a PHQ-9 and its safety flag that had
    just left. Counted after that sync, the flag is said as sent, not read by drsmith."""
    await flag_offline(live_server, laptop, outage, tmp_path)
    await outage.end()
    declined = await laptop.tj("account", "delete", input="\n")
    said = flat(declined.stderr)
    assert declined.exit_code != 0, said
    assert "have not reached the server" not in said, said
    assert "not marked read by drsmith" in said, said
    assert "not yet sent to the server" not in said, said
