"""The default journal follows renames (NU65 F7): `tj journal rename Personal "My journal"`
left every command that names no journal (`tj write`, `tj mood`, `tj goal add`, ...) failing
with "no journal named 'Personal'", on the device that renamed it and on the account's other
devices once the rename synced. The default journal is found by its id, which every device
of the account derives from the account key. Real `tj` against a real server on loopback."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from cli import editor
from client_sdk import Client, keys
from client_sdk.default_journal import DEFAULT_SETTING, DEFAULT_SETTLED
from client_sdk.store import STORE_FILE
from tests.client.sharing_support import journal_id
from tests.client.test_journal_name_rollback import named_by_an_older_sdk
from tests.conftest import RunningServer
from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    Outage,
    laptop,
    outage,
    phone,
)
from tests.test_cli_nu56_findings import flat
from tests.test_cli_r22_departures import ana, tom  # noqa: F401 (fixtures)


async def test_a_renamed_default_journal_stays_the_default_on_every_device(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """The laptop renames Personal "My journal" and syncs; the phone, which never wrote
    before, syncs, then writes, checks in a mood, adds a goal and takes a PHQ-9 with no
    --journal: each goes to "My journal" on both devices. `tj journal default` names it."""
    await phone.ok("sync")
    renamed = await laptop.tj("journal", "rename", "Personal", "My journal")
    assert renamed.exit_code == 0, renamed.output
    await laptop.ok("write", "--mood", "5", "After rename, default journal")
    await phone.ok("sync")
    for device, words in ((phone, "Written on the phone"), (laptop, "Written on the laptop")):
        done = await device.tj("write", words)
        assert done.exit_code == 0, done.output
        assert (await device.tj("mood", "5")).exit_code == 0
    goal = await phone.tj("goal", "add", "Sleep by 23:00")
    assert goal.exit_code == 0, goal.output
    taken = await phone.tj("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    assert taken.exit_code == 0, taken.output
    await laptop.ok("sync")
    await phone.ok("sync")
    for device in (laptop, phone):
        bodies = [e["body"] for e in await device.json("list", "--journal", "My journal")]
        assert {
            "After rename, default journal",
            "Written on the phone",
            "Written on the laptop",
        } <= set(bodies), bodies
        results = await device.json("measure", "list", "--journal", "My journal")
        assert [r["measure"] for r in results] == ["phq9"], results
        [journal] = [j for j in await device.json("journal", "list") if j["own"]]
        assert journal["name"] == "My journal"
        shown = await device.tj("journal", "default")
        assert "Your default journal is 'My journal'." in flat(shown.output), shown.output


async def test_no_default_journal_says_so_and_names_the_command(
    laptop: Device,  # noqa: F811
) -> None:
    """With the default journal deleted, a write with no --journal says there is no default
    journal and how to choose one, never that a journal may not be shared or synced yet;
    `tj journal default NAME` chooses one on this device, where writes then go."""
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("journal", "delete", "Personal", "--yes")
    refused = await laptop.tj("write", "Nowhere yet")
    said = flat(refused.stderr)
    assert refused.exit_code != 0
    assert "you have no default journal on this device" in said, said
    assert "`tj journal default NAME`" in said, said
    assert "shared with you" not in said and "no journal named" not in said, said
    chosen = await laptop.tj("journal", "default", "Dreams")
    assert "Your default journal on this device is now Dreams." in flat(chosen.output)
    await laptop.ok("write", "Into dreams")
    assert [e["body"] for e in await laptop.json("list", "--journal", "Dreams")] == ["Into dreams"]


async def older_accounts_device(device: Device, live_server: RunningServer) -> Path:
    """`device`'s profile as an older account's, updated from an SDK that did not derive the
    default journal's id: its "Personal" named by an older SDK (version 1), the store not
    settled yet (the next opening adopts "Personal" from it). Its store's path."""
    await device.ok("sync")
    client = await Client.open(device.home)
    try:
        first = await journal_id(client, "Personal")
        await named_by_an_older_sdk(live_server, client, first, "Personal")
    finally:
        await client.close()
    [store] = list(device.home.rglob(STORE_FILE))
    with closing(sqlite3.connect(store)) as db, db:
        db.execute("DELETE FROM settings WHERE name IN (?, ?)", (DEFAULT_SETTLED, DEFAULT_SETTING))
    return store


async def test_the_first_write_after_the_update_syncs_first_and_is_written(
    laptop: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    live_server: RunningServer,
) -> None:
    """On an older account's device just updated, with the server up, the first `tj write
    TEXT` naming no journal syncs first (its default journal, kept from before, awaits a
    journal list) and writes in "Personal"; `tj mood` after it too."""
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await older_accounts_device(laptop, live_server)
    written = await laptop.tj("write", "Words given as TEXT")
    assert written.exit_code == 0, written.output
    assert (await laptop.tj("mood", "4")).exit_code == 0
    bodies = [e["body"] for e in await laptop.json("list", "--journal", "Personal")]
    assert "Words given as TEXT" in bodies, bodies


async def test_offline_the_first_write_after_the_update_is_refused_and_kept(
    laptop: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    live_server: RunningServer,
    outage: Outage,  # noqa: F811
) -> None:
    """The same device, the server down: `tj journal default` shows the journal kept from
    before, unconfirmed until the next sync (exit 0); `tj write TEXT` is refused, its text
    kept as a draft with the command that saves it, and the advice is to sync once the
    server can be reached (never a circular "run `tj sync`" alone, never "name the
    journal"). Once the server is back, the write goes through."""
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await older_accounts_device(laptop, live_server)
    await outage.begin()
    shown = await laptop.tj("journal", "default")
    assert shown.exit_code == 0, shown.output
    assert "unconfirmed until the next sync" in flat(shown.output), shown.output
    refused = await laptop.tj("write", "Words given as TEXT")
    said = flat(refused.stderr)
    assert refused.exit_code != 0
    assert "once the server can be reached" in said, said
    assert "name the journal" not in said, said
    assert "The text you gave was not saved; it is kept in" in said, said
    drafts = [p for p in laptop.home.rglob("entry-*.md")]
    assert [editor.read_draft(d) for d in drafts] == ["Words given as TEXT"], drafts
    await outage.end()
    await laptop.ok("write", "--draft", str(drafts[0]))
    bodies = [e["body"] for e in await laptop.json("list", "--journal", "Personal")]
    assert "Words given as TEXT" in bodies, bodies


async def test_a_shared_journal_is_chosen_as_the_default_by_its_id_or_knowingly(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    """`tj journal default NAME` for a journal shared with someone says who reads it and asks
    (NU73 F9: it demanded --even-if-shared, an unrelated flag): no answer or "n" changes
    nothing; "y" chooses it. --yes, or --even-if-shared (kept for scripts), chooses it
    without asking (saying who reads it all the same), and so does its id."""
    await ana.ok("journal", "create", "Therapy")
    await ana.ok("share", "Therapy", "tom", "--fingerprint", tom.signup["fingerprint"])
    [therapy] = [j["id"] for j in await ana.json("journal", "list") if j["name"] == "Therapy"]
    unanswered = await ana.tj("journal", "default", "Therapy", input="")
    said = flat(unanswered.stderr)
    assert unanswered.exit_code == 1, unanswered.output
    assert f"Note: 'Therapy' (id {therapy[:12]}) is shared with tom:" in said, said
    assert "go there, where tom reads them." in said, said
    assert "--yes" in said and "--even-if-shared" not in said, said
    declined = await ana.tj("journal", "default", "Therapy", input="n\n")
    assert declined.exit_code == 1, declined.output
    shown = await ana.tj("journal", "default")
    assert "Your default journal is Personal." in flat(shown.output), shown.output
    chosen = await ana.tj("journal", "default", "Therapy", input="y\n")
    assert chosen.exit_code == 0, chosen.output
    assert "Your default journal on this device is now Therapy." in flat(chosen.output)
    for confirmed in ("--yes", "--even-if-shared"):
        await ana.ok("journal", "default", "Personal", "--yes")  # away from tom: --yes
        again = await ana.tj("journal", "default", "Therapy", confirmed, input="")
        assert again.exit_code == 0, again.output
        # the note said all the same, not asked (nu79 F5: --yes said nothing of tom)
        assert f"Note: 'Therapy' (id {therapy[:12]}) is shared with tom:" in flat(again.stderr)
        assert "?" not in flat(again.stderr), again.stderr
        assert (await ana.json("journal", "default"))["name"] == "Therapy"
    await ana.ok("journal", "default", "Personal", "--yes")
    by_id = await ana.tj("journal", "default", therapy[:12], input="")  # asked (fix30b 8)
    assert by_id.exit_code == 1, by_id.output
    said = flat(by_id.stderr)
    assert f"Note: 'Therapy' (id {therapy[:12]}) is shared with tom:" in said, said
    assert "Make 'Therapy' your default journal on this device all the same?" in said, said
    assert (await ana.json("journal", "default"))["name"] == "Personal"
    chosen = await ana.tj("journal", "default", therapy[:12], input="y\n")
    assert chosen.exit_code == 0, chosen.output
    assert (await ana.json("journal", "default"))["name"] == "Therapy"


async def test_moving_the_default_back_to_a_shared_personal_asks_naming_its_reader(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    """NU73 F9: Personal, the sign-up's default journal, is read by tom; ana moves her
    default to Dreams (asked, "y"), then back to Personal: it said "is shared with tom"
    and demanded --even-if-shared. Now it says who reads Personal and asks, as moving away
    did; "y" makes Personal the default again."""
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("journal", "create", "Dreams")
    away = await ana.tj("journal", "default", "Dreams", input="y\n")
    assert away.exit_code == 0, away.output
    assert "is read by tom, who does not read 'Dreams'" in flat(away.stderr), away.stderr
    back = await ana.tj("journal", "default", "Personal", input="y\n")
    said = flat(back.stderr)
    assert back.exit_code == 0, back.output
    assert "'Personal' (id " in said and "is shared with tom:" in said, said
    assert "Make 'Personal' your default journal on this device all the same?" in said, said
    assert "Your default journal on this device is now Personal." in flat(back.output)
    assert (await ana.json("journal", "default"))["name"] == "Personal"


async def test_moving_the_default_away_from_the_therapists_journal_says_so_and_asks(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    """NU72 F3: `tj journal default Dreams` said only "Your default journal on this device is
    now 'Dreams'." while Personal, the default until then, was read by tom with safety flags
    on: a PHQ-9 taken next went to Dreams and sealed no flag for him, with no word. Now it
    says so and asks (no answer: nothing changed); "n" changes nothing; "y", or --yes, makes
    Dreams the default."""
    await ana.ok(
        "share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"],
        "--role", "annotate", "--safety-flags", input="y\n",  # tom never read it: asked
    )  # fmt: skip
    await ana.ok("journal", "create", "Dreams")
    unanswered = await ana.tj("journal", "default", "Dreams", input="")
    said = flat(unanswered.stderr)
    assert unanswered.exit_code == 1, unanswered.output
    assert (
        "'Personal', your default journal, is read by tom, who does not read 'Dreams', and" in said
    )
    assert "sends no safety flag to tom" in said and "--yes" in said, said
    declined = await ana.tj("journal", "default", "Dreams", input="n\n")
    assert declined.exit_code == 1, declined.output
    shown = await ana.tj("journal", "default")
    assert "Your default journal is Personal." in flat(shown.output), shown.output
    chosen = await ana.tj("journal", "default", "Dreams", input="y\n")
    assert chosen.exit_code == 0, chosen.output
    assert "Your default journal on this device is now Dreams." in flat(chosen.output)
    back = await ana.tj("journal", "default", "Personal", "--even-if-shared")
    assert back.exit_code == 0, back.output  # nobody left: not asked
    done = await ana.tj("journal", "default", "Dreams", "--yes", "--json")
    assert done.exit_code == 0, done.output
    assert (await ana.json("journal", "default"))["name"] == "Dreams"
