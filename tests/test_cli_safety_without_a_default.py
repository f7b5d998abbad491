"""`tj measure take` and `tj safety` on an older account's device whose adopted default
journal takes no write naming no journal (unconfirmed offline after the update; ended
because "Personal" is shared with a therapist): the crisis message shows the plan and the
number the user set, `tj safety plan` and `tj safety history` read them, the answers are
kept in a draft, and a flag the user opted a therapist in to is sealed without a score.
Plain writes naming no journal stay refused."""

from __future__ import annotations

import json

import pytest

from client_sdk import keys
from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, outage  # noqa: F401 (fixture)
from tests.test_cli_default_journal import older_accounts_device
from tests.test_cli_r22_departures import ana, tom  # noqa: F401 (fixtures)

PLAN = "Ring Jo, then walk to the park."
ANSWERS = "0,1,0,1,0,1,0,1,2"


@pytest.mark.parametrize("case", ["offline-unconfirmed", "online-shared"])
async def test_the_crisis_message_shows_the_plan_with_no_default_journal_to_write_in(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    live_server: RunningServer,
    outage: Outage,  # noqa: F811
    case: str,
) -> None:
    await ana.ok("safety", "plan", "--emergency", "999", "--text", PLAN)
    if case == "online-shared":
        await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await older_accounts_device(ana, live_server)
    if case == "offline-unconfirmed":
        await outage.begin()
    taken = await ana.tj("measure", "take", "phq9", "--answers", ANSWERS)
    assert taken.exit_code == 1  # not saved: no default journal to write in
    said = " ".join(taken.stderr.split())
    assert "call 999" in said
    assert "Your safety plan" in said and PLAN in said
    assert "could not be read" not in said
    [draft] = list((ana.home / "drafts").glob("phq9-*.answers.json"))
    assert json.loads(draft.read_text())["answers"] == [int(a) for a in ANSWERS.split(",")]
    assert "add `--journal NAME` to it" in said
    assert "the same command again" not in said  # the draft saves them, once
    shown = await ana.tj("safety", "plan")
    assert shown.exit_code == 0, shown.output
    assert "999" in shown.stdout and PLAN in shown.stdout
    history = await ana.tj("safety", "history")
    assert history.exit_code == 0, history.output
    written = await ana.tj("write", "Meant for my private journal")
    assert written.exit_code == 1  # plain writes naming no journal: still refused


async def test_the_opted_in_therapist_gets_the_flag_with_no_default_journal_to_write_in(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    live_server: RunningServer,
) -> None:
    """ana opted tom in to safety flags in "Personal"; her device, updated, no longer
    writes there naming no journal: an item-9 answer above 0 seals a flag without a score
    for tom at once, and saving the draft once she chose seals no second one."""
    await ana.ok("safety", "plan", "--share-flags")
    share = ("share", "Personal", "tom", "--full", "--role", "annotate", "--safety-flags")
    await ana.ok(*share, "--fingerprint", tom.signup["fingerprint"])
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await older_accounts_device(ana, live_server)
    taken = await ana.tj("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    assert taken.exit_code == 1
    assert "a safety flag was made for tom without a score" in " ".join(taken.stderr.split())
    assert "to it, naming the journal to save them in, your default journal too" in " ".join(
        taken.stderr.split()
    ), taken.stderr
    await ana.ok("sync")
    await tom.ok("sync")
    [flag] = (await tom.json("safety", "flags"))["flags"]
    assert (flag["journal"], flag["item"], flag["answer"]) == ("ana/Personal", 9, 3)
    [draft] = list((ana.home / "drafts").glob("phq9-*.answers.json"))
    await ana.ok("journal", "default", "Personal", "--even-if-shared")
    # kept with no journal to write in: never saved unnamed into the default of later,
    # one tom reads (NU75 F9, as `tj write --draft`'s "draft journal")
    unnamed = await ana.tj("measure", "take", "phq9", "--draft", str(draft))
    assert unnamed.exit_code == 1, unnamed.output
    assert "your default journal 'Personal', read by tom, so nothing was saved" in " ".join(
        unnamed.stderr.split()
    ), unnamed.stderr
    await ana.ok("measure", "take", "phq9", "--draft", str(draft), "--journal", "Personal")
    await ana.ok("sync")
    await tom.ok("sync")
    assert len((await tom.json("safety", "flags"))["flags"]) == 1
    assert [r["answers"][8] for r in await tom.json("measure", "list")] == [3]


async def test_the_first_safety_plan_change_after_the_update_syncs_first(
    ana: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    live_server: RunningServer,
) -> None:
    """The first `tj safety plan --emergency/--text` after the update, server up, syncs
    first (as `tj write` does) and writes the plan in "Personal"."""
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await older_accounts_device(ana, live_server)
    changed = await ana.tj("safety", "plan", "--emergency", "999", "--text", PLAN)
    assert changed.exit_code == 0, changed.output
    shown = await ana.json("safety", "plan", "--journal", "Personal")
    assert (shown["emergency_number"], shown["plan"]) == ("999", PLAN)


async def test_a_safety_plan_change_refused_for_want_of_a_default_gives_its_text_back(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    live_server: RunningServer,
) -> None:
    """ "Personal" shared with tom, ana's updated device takes no change naming no journal:
    the refusal prints the command with the text she gave, which saves it once she names
    the journal."""
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await older_accounts_device(ana, live_server)
    refused = await ana.tj("safety", "plan", "--emergency", "999", "--text", PLAN)
    assert refused.exit_code == 1
    said = " ".join(refused.stderr.split())
    assert f"--emergency 999 --text '{PLAN}' --journal NAME`" in said
    await ana.ok("safety", "plan", "--emergency", "999", "--text", PLAN, "--journal", "Personal")
    shown = await ana.json("safety", "plan", "--journal", "Personal")
    assert (shown["emergency_number"], shown["plan"]) == ("999", PLAN)
