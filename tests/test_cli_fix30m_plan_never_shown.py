"""nu77 F6: a device that never showed the safety plan (a new login) replaced, unasked, a plan
another device changed after that login, brought by another command's sync (`tj list`); the
SDK's `expected_version` refuses a change over a plan that is no longer the one shown. Real
server on loopback, real crypto; two devices."""

from __future__ import annotations

import json

import pytest

from client_sdk.errors import SUBJECTS, InvalidInput
from client_sdk.safety_path import PLAN_CHANGED
from tests.conftest import ClientFactory
from tests.test_cli import Device, laptop, phone

__all__ = ["laptop", "phone"]  # fixtures


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_plan_this_device_never_showed_is_shown_and_asked_about_first(
    laptop: Device, phone: Device
) -> None:
    await laptop.ok("safety", "plan", "--emergency", "111", "--text", "Plan v4.", "--yes")
    await laptop.ok("safety", "plan", "--text", "Plan v5: laptop wrote this after login.")
    await phone.ok("list")  # another command's sync brings v5: never shown here
    for attempt in (("--text", "Tablet text"), ("--emergency", "911")):
        left = await phone.tj("safety", "plan", *attempt, "--json", input="")
        assert left.exit_code == 1, (attempt, left.output)
        error = json.loads(left.stdout)["error"]
        assert error["subject"] == "plan changed", error
        assert error["plan"] == "Plan v5: laptop wrote this after login.", error
        assert error["emergency_number"] == "111" and error["journal"] == "Personal", error
        assert "--yes" in error["message"], error
    plain = await phone.tj("safety", "plan", "--text", "Tablet text", input="")
    assert plain.exit_code == 1, plain.output
    text = said(plain.stderr)
    assert "was written on another device and this device never showed it" in text, text
    assert "Plan v5: laptop wrote this after login." in text, text
    await laptop.ok("sync")
    plan = await laptop.json("safety", "plan")
    assert plan["plan"] == "Plan v5: laptop wrote this after login.", plan
    assert plan["emergency_number"] == "111", plan
    done = await phone.ok("safety", "plan", "--text", "Tablet text", input="y\n")
    assert "never showed it" in said(done.stderr), done.stderr
    await laptop.ok("sync")
    assert (await laptop.json("safety", "plan"))["plan"] == "Tablet text"


async def test_a_copy_over_a_plan_never_shown_here_says_so_and_asks(
    laptop: Device, phone: Device
) -> None:
    await laptop.ok("journal", "create", "Work")
    await laptop.ok("safety", "plan", "--journal", "Work", "--text", "Work plan.", "--yes")
    await laptop.ok("safety", "plan", "--text", "Laptop plan.", "--yes")
    await phone.ok("list")
    left = await phone.tj("safety", "plan", "--copy-from", "Work", "--json", input="")
    assert left.exit_code == 1, left.output
    error = json.loads(left.stdout)["error"]
    assert error["plan"] == "Laptop plan." and "--yes" in error["message"], error
    await laptop.ok("sync")
    assert (await laptop.json("safety", "plan"))["plan"] == "Laptop plan."


async def test_set_plan_and_copy_plan_refuse_a_version_that_is_not_the_plans_now(
    signup: ClientFactory, login: ClientFactory
) -> None:
    assert PLAN_CHANGED in SUBJECTS
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.safety.set_plan(emergency_number="111", plan="Old plan.")
    await laptop.sync()
    await phone.sync()
    shown = await phone.safety.plan()
    await laptop.safety.set_plan(plan="Laptop plan.")
    await laptop.sync()
    await phone.sync()
    with pytest.raises(InvalidInput) as refused:
        await phone.safety.set_plan(plan="Phone plan.", expected_version=shown.version)
    assert refused.value.subject == PLAN_CHANGED
    assert refused.value.names["journal"] == "Personal"
    await phone.journals.create("Work")
    await phone.safety.set_plan(journal="Work", plan="Work plan.")
    with pytest.raises(InvalidInput) as refused:
        await phone.safety.copy_plan("Work", replace_written=True, expected_version=shown.version)
    assert refused.value.subject == PLAN_CHANGED
    assert (await phone.safety.plan()).plan == "Laptop plan."
    now = await phone.safety.plan()
    written = await phone.safety.set_plan(plan="Phone plan.", expected_version=now.version)
    assert written.plan == "Phone plan."


def test_a_plan_changed_between_the_question_and_the_write_is_said_in_the_commands_words() -> None:
    """The SDK's refusal of a stale `expected_version` (a sync landing between the question
    and the write) says nothing changed and the command that shows the plan, same subject."""
    from cli.safety import changed_meanwhile

    names = {"journal": "Personal", "journal id": "ab" * 16}
    with pytest.raises(InvalidInput) as said_here:
        with changed_meanwhile(["tj", "--home", "/tmp/tablet"]):
            raise InvalidInput("stale", subject=PLAN_CHANGED, names=names)
    text = said(str(said_here.value))
    assert said_here.value.subject == PLAN_CHANGED and said_here.value.names == names
    assert "was changed on another device while this command ran: nothing was changed" in text
    assert "tj --home /tmp/tablet safety plan" in text, text
    with pytest.raises(InvalidInput) as other:
        with changed_meanwhile(["tj"]):
            raise InvalidInput("other", subject="plan written")
    assert str(other.value) == "other"
