"""NU73 F5: a question a `--json` command could not ask (standard input ended) failed with the
subject "unanswered" whatever it asked about, so a script could not tell "fold a private
journal into a shared one" from "delete an entry". Now its `--json` error object has the
subject of the refusal the question is about (the SDK's, as an app calling the SDK gets it:
"fold into shared", "readers left", "safety flags", "shared again", "unsynced changes"),
"confirm COMMAND" for a question confirming the command's own action ("confirm delete":
it was "unanswered", fix30c item 2), and
"answered_by", the flags that answer it. Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, Seen, laptop, outage  # noqa: F401 (fixtures)
from tests.test_cli_brief_read_only_copy import without_journal
from tests.test_cli_insights import new_device
from tests.test_cli_json_errors import failure
from tests.test_cli_r22_departures import ana, tom  # noqa: F401 (fixtures)

TOFU = "--trust-on-first-use"
READERS_KEYS = frozenset({"journal", "journal_id", "readers", "flags"})
"""What a question about readers adds to its error object (`ReadersToConfirm`'s fields)."""
LOGOUT_KEYS = frozenset({"unsent_flags", "unsynced", "unsynced_kinds", "drafts"})
"""What `tj logout`'s question adds, as its `--yes` refusal does (nu77 F3)."""


def unanswered(
    done: Seen, subject: str, answered_by: str = "--yes", extra: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The error object of a question left unanswered: its subject, its flags, exit 1, and
    nothing but the one object on stdout; `extra`: the keys the command adds, exactly."""
    readers = subject in ("fold into shared", "readers left", "shared default")
    error = failure(done, (READERS_KEYS if readers else frozenset()) | extra)  # NU74 F5
    assert (error["subject"], error["answered_by"], error["exit_status"]) == (
        subject,
        answered_by,
        1,
    ), error
    assert "standard input ended with no answer" in error["message"], error
    assert f"pass {answered_by}" in error["message"], error
    return error


async def test_an_import_folding_into_a_shared_journal_fails_with_its_own_subject(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Flying again")
    path = (await laptop.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()
    kim = await new_device(live_server, tmp_path, "kim")
    drjones = await new_device(live_server, tmp_path, "drjones")
    await kim.ok("share", "Personal", "drjones", "--fingerprint", drjones.signup["fingerprint"])
    done = await kim.tj("import", path, "--journal", "Personal", "--json", input="")
    unanswered(done, "fold into shared")
    assert await kim.json("list") == []  # nothing imported


async def test_moving_the_default_journal_away_from_its_readers_fails_with_readers_left(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("journal", "create", "Dreams")
    done = await ana.tj("journal", "default", "Dreams", "--json", input="")
    unanswered(done, "readers left")
    assert (await ana.json("journal", "default"))["name"] == "Personal"
    await ana.ok("share", "Dreams", "tom")
    await ana.ok("journal", "default", "Dreams", "--yes")
    done = await ana.tj("journal", "default", "Personal", "--json", input="")
    unanswered(done, "shared default")  # to a journal someone else reads
    assert (await ana.json("journal", "default"))["name"] == "Dreams"


async def test_narrowing_a_share_that_gets_safety_flags_fails_with_safety_flags(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    await ana.ok(
        "share", "Personal", "tom", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", tom.signup["fingerprint"],
    )  # fmt: skip
    await tom.ok("sync")
    done = await ana.tj("share", "Personal", "tom", "--only", "mood,tags", "--json", input="")
    unanswered(done, "safety flags")
    [share] = await ana.json("shares")
    assert share["fields"] is None  # nothing changed


async def test_sharing_again_what_an_ended_share_held_fails_with_shared_again(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", TOFU)
    await ana.ok("write", "--mood", "2", "--tag", "relapse", "Words one.")
    await ana.ok("unshare", "Personal (mood, tags) for tom", "tom")
    done = await ana.tj("share", "Personal", "tom", "--only", "mood,tags", "--json", input="")
    unanswered(done, "shared again")


async def test_a_logout_losing_unsynced_changes_fails_with_unsynced_changes(
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    await outage.begin()
    await laptop.ok("write", "Never reached the server.")
    done = await laptop.tj("logout", "--json", input="")
    error = unanswered(done, "unsynced changes", "--yes --discard-unsynced", LOGOUT_KEYS)
    assert error["unsent_flags"] == [] and error["drafts"] == 0, error
    assert error["unsynced"] == sum(error["unsynced_kinds"].values()) >= 1, error
    assert (laptop.home / "profile").exists()


async def test_a_confirmation_left_unanswered_names_what_it_confirms_and_its_flag(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """fix30c item 2: a question confirming the command's own action (a delete, an unshare)
    failed with the subject "unanswered" whatever it confirmed. Now each says, the same way
    as a question about what the SDK refused: its subject names what it confirms ("confirm"
    and the command), `answered_by` the flag that answers it; nothing is done."""
    drlee = await new_device(live_server, tmp_path, "drlee")
    written = (await laptop.ok("write", "Kept.")).stdout.strip()
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("share", "Personal", "drlee", TOFU)
    trashed = (await laptop.ok("write", "To the trash.")).stdout.strip()
    await laptop.ok("delete", trashed[:8], "--yes")
    taken = await laptop.json("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")
    for words, subject in (
        (("delete", written[:8]), "confirm delete"),
        (("journal", "delete", "Dreams"), "confirm journal delete"),
        (("trash", "empty"), "confirm trash empty"),
        (("measure", "delete", taken["id"][:8]), "confirm measure delete"),
    ):
        done = await laptop.tj(*words, "--json", input="")
        unanswered(done, subject)
    assert [e["id"] for e in await laptop.json("list")] == [written]
    assert "Dreams" in {j["name"] for j in await laptop.json("journal", "list")}
    await drlee.ok("sync")
    [theirs] = [j["name"] for j in await drlee.json("journal", "list") if not j["own"]]
    unanswered(await drlee.tj("leave", theirs, "--json", input=""), "confirm leave")
    assert any(s["member"] == "drlee" for s in await laptop.json("shares"))
    assert [e["id"] for e in await laptop.json("trash")] == [trashed]
    assert [r["id"] for r in await laptop.json("measure", "list")] == [taken["id"]]
    refused = failure(await laptop.tj("show", "0123456789ab", "--json"))
    assert refused["answered_by"] is None  # no question: null, never a missing key


async def test_a_logout_deleting_the_only_copy_of_a_withheld_journal_fails_with_its_subject(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The read-only copy of one of her journals the server withholds: the question is the
    one the SDK's logout refuses without (`UnsyncedChanges.copies`)."""
    mia = Device(tmp_path / "mia", hostile.url)
    mia.signup = await mia.json("signup", hostile.url, "mia")
    await mia.ok("journal", "create", "Dreams")
    await mia.ok("write", "--journal", "Dreams", "A dream worth keeping.")
    await mia.ok("sync")
    [dreams] = [j for j in await mia.json("journal", "list") if j["name"] == "Dreams"]
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(dreams["id"]))
    await mia.ok("journal", "create", "Later")  # a change: the list is read again
    await mia.tj("sync")
    done = await mia.tj("logout", "--json", input="")
    unanswered(done, "unsynced changes", "--yes --discard-unsynced", LOGOUT_KEYS)
    assert (mia.home / "profile").exists()
