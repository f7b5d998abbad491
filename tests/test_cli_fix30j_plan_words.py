"""nu76 F2, F3, F5, F6: a "plan changed" question left unanswered does not count as shown,
and its `--json` error gives the plan; a plan replaced whole by a device that had this
one's text is not told "merged"; `tj journal default` of the default journal asks nothing.
Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

import json

from tests.test_cli import Device, laptop, phone
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "laptop", "phone", "tom"]  # fixtures


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_plan_changed_question_left_unanswered_asks_again_and_gives_the_plan(
    laptop: Device, phone: Device
) -> None:
    """nu76 F2: the phone's unanswered question marked the plan shown, so the next call
    wrote over it unasked; the `--json` error object never gave the plan it asked about."""
    await laptop.ok("safety", "plan", "--emergency", "111", "--text", "Old plan.")
    await phone.ok("safety", "plan")  # shown here: "Old plan."
    await laptop.ok("safety", "plan", "--emergency", "222", "--text", "Laptop v7.")
    for attempt in (("--text", "Phone v7"), ("--emergency", "113"), ("--text", "Phone v7")):
        left = await phone.tj("safety", "plan", *attempt, "--json", input="")
        assert left.exit_code == 1, (attempt, left.output)
        error = json.loads(left.stdout)["error"]
        assert error["subject"] == "plan changed", error
        assert error["plan"] == "Laptop v7." and error["emergency_number"] == "222", error
        assert "crisis_line" in error and error["journal"] == "Personal", error
    plan = await laptop.json("safety", "plan")
    assert plan["plan"] == "Laptop v7." and plan["emergency_number"] == "222", plan
    declined = await phone.tj("safety", "plan", "--emergency", "113", input="n\n")
    assert declined.exit_code == 1, declined.output  # answered: seen
    done = await phone.ok("safety", "plan", "--emergency", "113")
    assert "changed on another device" not in done.stderr, done.stderr
    await laptop.ok("sync")
    plan = await laptop.json("safety", "plan")
    assert plan["plan"] == "Laptop v7." and plan["emergency_number"] == "113", plan


async def test_the_default_journal_named_again_is_said_to_be_the_default_nothing_asked(
    ana: Device, tom: Device
) -> None:
    """nu76 F6: `tj journal default Personal`, Personal the default and shared, asked
    whether to make it the default "all the same", and failed in a script (exit 1)."""
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    ident = {j["name"]: j["id"] for j in await ana.json("journal", "list")}["Personal"]
    for name in ("Personal", ident[:4]):
        done = await ana.tj("journal", "default", name, input="")
        assert done.exit_code == 0, done.output
        text = said(done.stderr)
        assert "Personal is already your default journal on this device: nothing changed." in (
            text
        ), text
        assert "all the same" not in text and "is shared with" not in text, text
    shown = await ana.tj("journal", "default", "Personal", "--json", input="")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["name"] == "Personal", shown.stdout


async def test_a_plan_replaced_by_a_device_that_had_this_ones_text_is_not_told_merged(
    laptop: Device, phone: Device
) -> None:
    """nu76 F5: the phone received the laptop's "Plan B." and replaced it whole; the laptop
    was told "Merged: ... every device now has both changes in one text" of "Plan C." alone."""
    await laptop.ok("safety", "plan", "--emergency", "999", "--text", "Plan A.")
    await phone.ok("sync")
    await laptop.ok("safety", "plan", "--text", "Plan B.")
    await phone.ok("safety", "plan", "--text", "Plan C.", "--yes")
    synced = await laptop.ok("sync")
    text = said(synced.stdout + synced.stderr)
    assert "Merged" not in text and "both changes" not in text, text
    assert "1 updated safety plan or safety-flag choice from phone" in text, text
    assert (await laptop.json("safety", "plan"))["plan"] == "Plan C."


async def test_a_plan_another_device_wrote_holding_this_ones_text_is_not_told_merged(
    laptop: Device, phone: Device
) -> None:
    """fix31c 6: the phone received the laptop's "Plan B." and replaced it whole with a text
    holding it whole ("Plan B. Then walk."): nothing was merged, yet the laptop was told
    "Merged: ... every device now has both changes in one text"; the sync's update line
    tells what happened."""
    await laptop.ok("safety", "plan", "--emergency", "999", "--text", "Plan A.")
    await phone.ok("sync")
    await laptop.ok("safety", "plan", "--text", "Plan B.")
    await phone.ok("safety", "plan", "--text", "Plan B. Then walk.", "--yes")
    synced = await laptop.ok("sync")
    text = said(synced.stdout + synced.stderr)
    assert "Merged" not in text and "both changes" not in text, text
    assert "1 updated safety plan or safety-flag choice from phone" in text, text
    assert (await laptop.json("safety", "plan"))["plan"] == "Plan B. Then walk."
