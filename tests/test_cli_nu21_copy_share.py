"""NU21 C1, C7: a field-level share's copy journal ("Personal (mood, scores) for tom") named
in `tj share`, as the member's own refusal and the owner's departure notice tell a client to.
What the CLI then says the member reads comes from the verified share (only the copy's
fields), every command it suggests works, and no SDK keyword (full=True, only=[...]) reaches
the CLI user (real server on loopback; CliRunner)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line

COPY = "Personal (mood, scores) for tom"


@pytest.fixture
async def ana(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "ana", live_server.url)
    device.signup = await device.json("signup", live_server.url, "ana")
    return device


@pytest.fixture
async def tom(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "tom", live_server.url)
    device.signup = await device.json("signup", live_server.url, "tom")
    return device


async def test_the_annotate_role_on_a_copy_journal_says_only_its_fields_are_read(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint)
    await ana.ok("write", "--mood", "4", "Private: nobody knows about the drinking.")
    await tom.ok("sync")

    refused = failed_with_one_line(await tom.tj("note", f"ana/{COPY}", "hello"))
    hint = f"tj share '{COPY}' tom --role annotate"  # tom's own name, not YOUR-USERNAME
    assert hint in refused

    shared = await ana.ok("share", COPY, "tom", "--role", "annotate")  # as the hint says
    assert "every entry in full" not in shared.stderr
    assert "tom still reads only the mood and scores of Personal (read and add notes)" in (
        shared.stderr
    )
    assert "nothing more is shared" in shared.stderr
    [share] = await ana.json("shares")
    assert (share["journal"], share["fields"], share["role"]) == (
        COPY,
        ["mood", "scores"],
        "annotate",
    )
    await tom.ok("sync")
    await tom.ok("note", f"ana/{COPY}", "hello")
    assert "drinking" not in (await tom.ok("list", "--all")).stdout

    for widen in (("--full",), ("--only", "mood,tags")):  # chosen on Personal, not its copy
        line = failed_with_one_line(await ana.tj("share", COPY, "tom", *widen))
        assert f"'{COPY}' is a copy of 'Personal' kept for tom" in line
        assert "nothing was changed" in line
        assert f"{ana.command} share Personal tom --full" in line
        assert "full=True" not in line and "only=[" not in line
    flags = await ana.tj("share", COPY, "tom", "--role", "annotate", "--safety-flags")
    assert "safety flags need a whole-journal share" in failed_with_one_line(flags)
    [share] = await ana.json("shares")
    assert (share["fields"], share["role"]) == (["mood", "scores"], "annotate")


async def test_new_terms_for_the_journal_of_single_items_never_say_every_entry(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    entry = (await ana.ok("write", "--mood", "4", "Only the mood of this one.")).stdout.strip()
    await ana.ok("share-entry", entry, "tom", "--only", "mood", *fingerprint)
    await ana.ok("write", "Private: nobody knows about the drinking.")

    shared = await ana.ok("share", "Shared with tom", "tom", "--role", "annotate")
    assert "every entry in full" not in shared.stderr
    assert "they still see only what you shared with them in it, one item at a time" in (
        " ".join(shared.stderr.split())  # wrapped at the terminal's width
    )
    for widen in (("--full",), ("--only", "mood")):
        line = failed_with_one_line(await ana.tj("share", "Shared with tom", "tom", *widen))
        assert "holds only what you share with one member one item at a time" in line
        assert f"{ana.command} share-entry ENTRY_ID USERNAME" in line
    await tom.ok("sync")
    assert "drinking" not in (await tom.ok("list", "--all")).stdout
    assert "Only the mood" not in (await tom.ok("list", "--all")).stdout

    await tom.ok("leave", "ana/Shared with tom", "--yes")
    synced = await ana.ok("sync")
    printed = f"tj share-entry ENTRY_ID tom --fingerprint '{tom.signup['fingerprint']}'"
    assert f"If they did not mean to leave, share again: `{printed}`" in synced.stderr
    await ana.ok("share-entry", entry, "tom", "--only", "mood")  # the command named works
    [share] = [s for s in await ana.json("shares") if not s["expired"]]
    assert share["journal"] == "Shared with tom"


async def test_after_a_member_leaves_a_copy_the_suggested_command_shares_its_fields_again(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint)
    await ana.ok("write", "--mood", "4", "Private: nobody knows about the drinking.")
    await tom.ok("sync")
    await tom.ok("leave", f"ana/{COPY}", "--yes")

    synced = await ana.ok("sync")
    again = "tj share Personal tom --only mood,scores"
    printed = f"{again} --fingerprint '{tom.signup['fingerprint']}'"  # as the chain holds it
    assert f"If they did not mean to leave, share again: `{printed}`" in synced.stderr
    assert f"share again: `tj share '{COPY}'" not in synced.stderr

    line = failed_with_one_line(await ana.tj("share", COPY, "tom"))  # the old advice
    assert "they no longer read it" in line and "nothing was shared" in line
    again_here = again.replace("tj", ana.command, 1)  # an error's advice names the profile
    assert f"To share the mood and scores with them again: `{again_here}`;" in line
    assert "full=True" not in line and "only=[" not in line

    # The command named works (--yes: it names what the copy still holds, which goes again
    # with it, and asks first: NU24 C8).
    await ana.ok(*shlex.split(printed)[1:], "--yes")
    [share] = [s for s in await ana.json("shares") if not s["expired"]]
    assert (share["source"], share["fields"]) == ("Personal", ["mood", "scores"])
    await tom.ok("sync")
    assert "drinking" not in (await tom.ok("list", "--all")).stdout


async def test_a_scores_share_says_the_results_taken_before_are_not_shared_and_how_to_send_one(
    ana: Device, tom: Device
) -> None:
    """NU21 C12: a PHQ-9 taken just before `--only mood,scores` (item 9 above 0) never
    reaches the therapist; the confirmation says so and names the command that sends it,
    and nothing more is shared until the client runs it."""
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("measure", "take", "phq9", "--answers", "2,2,2,2,1,2,2,1,1", "--difficulty", "2")
    shared = await ana.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint)
    said = shared.stderr
    joined = " ".join(said.split())
    assert "questionnaire results in Personal dated from now on (nothing dated before" in joined
    assert "`tj share-entry ID tom` sends an entry, `tj measure share ID tom` a result)" in joined
    assert "Not shared: the 1 questionnaire result already in Personal" in said
    assert "score 15; it has item 9 answered above 0" in joined
    # its item 9 is above 0: the command with its answers first (NU64 F19), then the score only
    command = joined.split("To send one to tom: `")[1].split("`")[0]
    assert command.startswith("tj measure share ") and command.endswith(" tom")
    assert any(f"`{command}`" in line for line in said.splitlines()), said  # whole, to copy
    assert (
        f"`{command}` (with your answers, so tom sees item 9 too); the score only: "
        f"`{command} --without-answers`; other results: `tj measure list --journal Personal`"
    ) in joined

    await tom.ok("sync")
    assert await tom.json("measure", "list") == []  # not shared without the client's say
    await ana.ok(*command.split()[1:], *fingerprint)
    await tom.ok("sync")
    [result] = await tom.json("measure", "list")
    assert result["score"] == 15


async def test_a_scores_share_never_counts_a_result_already_sent_with_measure_share(
    ana: Device, tom: Device
) -> None:
    """R33 F1: a result the client sent with `tj measure share` reaches the member through
    the journal of single items: a later `--only mood,scores` share does not count it among
    the results "not shared", and counts the one that was not sent."""
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("measure", "take", "phq9", "--answers", "2,2,2,2,1,2,2,1,1", "--difficulty", "2")
    [sent] = await ana.json("measure", "list")
    await ana.ok("measure", "share", sent["id"][:8], "tom", *fingerprint)
    shared = await ana.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint)
    assert "Not shared" not in shared.stderr, shared.stderr

    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0", "--difficulty", "0")
    await ana.ok("unshare", "Personal", "tom", "--yes")
    again = await ana.ok(  # --yes: the kept copy's result goes again, named (NU24 C8)
        "share", "Personal", "tom", "--only", "mood,scores", *fingerprint, "--yes"
    )
    await tom.ok("sync")
    scores = sorted(r["score"] for r in await tom.json("measure", "list"))
    assert scores == [0, 15]  # the one sent, and the one the first copy carried
    assert "Not shared" not in again.stderr, again.stderr


async def test_new_terms_on_a_copy_say_the_member_also_reads_the_whole_journal(
    ana: Device, tom: Device
) -> None:
    """R33 F2: after `--only mood,scores` and then `--full`, new terms on the copy say (from
    Personal's verified chain) that tom also reads the whole of Personal, and how to change
    his terms there; never that he reads only the copy's fields."""
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint)
    copy = "Personal (mood, scores) for tom"
    alone = await ana.ok("share", copy, "tom", "--role", "annotate")
    assert "tom still reads only the mood and scores of Personal" in alone.stderr
    await ana.ok("share", "Personal", "tom", "--full", *fingerprint)
    said = await ana.ok("share", copy, "tom", "--role", "read")
    joined = " ".join(said.stderr.split())  # wrapped at the terminal's width
    assert "tom also reads the whole of Personal (every entry in full)" in joined
    assert "`tj share Personal tom --role ROLE --until DATE`" in said.stderr  # whole
    assert "only" not in said.stderr.split("tom also reads")[0]
    info = await ana.json("share", copy, "tom", "--role", "read", "--json")
    assert info["whole_too"] is True and info["fields"] == ["mood", "scores"]
