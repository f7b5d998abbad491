"""NU74 F3, F5, F8: `tj journal default` says when the safety message of every journal with no
plan of its own shows another plan since; its question, left unanswered under `--json`, gives
who reads (the SDK's `ReadersToConfirm`), and names the journal by its name, typed as an id
prefix too; archiving the default journal says what that stops. Real server on loopback,
real crypto; CliRunner."""

from __future__ import annotations

import json
from typing import Any

from tests.test_cli import Device, Seen
from tests.test_cli_r22_departures import ana, tom  # noqa: F401 (fixtures)


def said(text: str) -> str:
    return " ".join(text.split())


def failure(done: Seen) -> dict[str, Any]:
    """The `--json` error object of a question left unanswered: the usual keys, and who
    reads (`journal`, `journal_id`, `readers`, `flags`), nothing else on stdout."""
    assert done.exit_code == 1, done.output
    said = json.loads(done.stdout)
    assert list(said) == ["error"], said
    error: dict[str, Any] = said["error"]
    assert set(error) == {
        "subject", "message", "code", "exit_status", "answered_by",
        "journal", "journal_id", "readers", "flags",
    }, error  # fmt: skip
    assert error["answered_by"] == "--yes" and error["exit_status"] == 1, error
    return error


async def test_a_new_default_says_which_plan_the_safety_message_shows_from_now_on(
    ana: Device,  # noqa: F811
) -> None:
    await ana.ok("safety", "plan", "--emergency", "0800 1", "--text", "Ring Jo.")
    await ana.ok("journal", "create", "Private")
    await ana.ok("safety", "plan", "--journal", "Private", "--text", "Call mum.")
    await ana.ok("journal", "create", "Dreams")
    moved = said((await ana.ok("journal", "default", "Private")).stderr)
    assert (
        "Note: the safety message (shown when a PHQ-9's item 9 is answered above 0) in every "
        "journal with no safety plan of its own now shows the plan of 'Private', no longer "
        "that of 'Personal'; `tj safety plan --journal Private` shows it."
    ) in moved, moved
    bare = await ana.tj("journal", "default", "Dreams", "--json")
    assert bare.exit_code == 0, bare.output
    assert json.loads(bare.stdout)["safety_plan_shown"] == {
        "before": "Private",
        "now": None,
        "crisis_lines": {},
    }
    again = said((await ana.ok("journal", "default", "Private")).stderr)
    assert "now shows the plan of 'Private'" in again and "no longer that" not in again, again
    none = said((await ana.ok("journal", "default", "Dreams")).stderr)
    assert (
        "Note: 'Dreams' has no safety plan written: the safety message (shown when a PHQ-9's "
        "item 9 is answered above 0) in every journal with no safety plan of its own now "
        "shows only the built-in numbers, no longer the plan of 'Private'; `tj safety plan "
        "--journal Dreams --text TEXT` writes one (`tj safety plan --journal Dreams "
        "--copy-from Private` copies that one)."
    ) in none, none
    same = await ana.ok("journal", "default", "Dreams")  # nothing changes: nothing said
    assert "safety message" not in same.stderr, same.stderr
    assert (await ana.json("journal", "default", "Dreams"))["safety_plan_shown"] is None


async def test_the_default_question_gives_its_readers_in_json_and_names_the_journal(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("journal", "create", "Dreams")
    error = failure(await ana.tj("journal", "default", "Dreams", "--json", input=""))
    assert error["subject"] == "readers left" and error["journal"] == "Personal", error
    assert [r["username"] for r in error["readers"]] == ["tom"], error
    assert error["readers"][0]["role"] and error["flags"] == [], error
    await ana.ok("share", "Dreams", "tom")
    listed = {j["name"]: j["id"] for j in await ana.json("journal", "list")}
    dreams = listed["Dreams"]
    asked = await ana.tj("journal", "default", dreams[:8], input="")  # a prefix: asked
    text = said(asked.output)
    assert "Make 'Dreams' your default journal on this device all the same?" in text, text
    assert dreams[:8] + " your default" not in text, text
    error = failure(await ana.tj("journal", "default", "Dreams", "--json", input=""))
    assert error["subject"] == "shared default" and error["journal"] == "Dreams", error
    assert [r["username"] for r in error["readers"]] == ["tom"], error
    assert (await ana.json("journal", "default"))["name"] == "Personal"


async def test_archiving_the_default_journal_says_what_it_stops_and_how_to_choose_another(
    ana: Device,  # noqa: F811
) -> None:
    await ana.ok("journal", "create", "Private")
    await ana.ok("journal", "default", "Private")
    told = said((await ana.ok("journal", "archive", "Private")).stderr)
    assert (
        "Note: 'Private' is your default journal on this device: nothing written with no "
        "--journal (an entry, a mood, a questionnaire, whose answers would not be saved) is "
        "saved until `tj journal unarchive Private`, or until `tj journal default NAME` "
        "chooses another."
    ) in told, told
    other = await ana.tj("journal", "archive", "Personal", "--json")  # not the default
    assert json.loads(other.stdout)["default"] is False and "Note:" not in other.stderr


async def test_a_therapists_line_is_shown_to_them_and_the_confirmation_knows_whose_wins(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    await ana.ok(
        "share", "Personal", "tom", "--role", "annotate",
        "--fingerprint", tom.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("safety", "plan", "--crisis-line", "Samaritans 116 123")
    await tom.ok("sync")
    set_ = said((await tom.ok("safety", "crisis-line", "ana/Personal", "Clinic 0800 222")).stderr)
    assert (
        "Set the crisis line of ana/Personal to 'Clinic 0800 222': ana set their own crisis "
        "line in this journal, 'Samaritans 116 123': theirs is shown with the safety message, "
        "not yours"
    ) in set_, set_
    assert "cannot see" not in set_, set_
    view = await tom.ok("safety", "plan", "--journal", "ana/Personal")
    assert (
        "member line: Clinic 0800 222 (set by tom; not shown: ana's own line in this journal "
        "comes first)"
    ) in said(view.stdout), view.stdout
    plan = await tom.json("safety", "plan", "--journal", "ana/Personal")
    assert (plan["member_crisis_line"], plan["member_crisis_line_set_by"]) == (
        "Clinic 0800 222",
        "tom",
    ), plan
    assert plan["safety_message"]["crisis_line"] == "Samaritans 116 123", plan


async def test_a_write_refused_in_an_archived_default_says_it_is_the_default(
    ana: Device,  # noqa: F811
) -> None:
    await ana.ok("journal", "create", "Private")
    await ana.ok("journal", "default", "Private")
    await ana.ok("journal", "archive", "Private")
    plain = await ana.tj("mood", "5")
    assert plain.exit_code == 1, plain.output
    assert (
        "journal 'Private' is archived: unarchive it first: `tj journal unarchive Private`; it "
        "is your default journal, where a command given no --journal writes: give --journal "
        "NAME, or choose another default with `tj journal default NAME`"
    ) in said(plain.stderr), plain.stderr
    named = await ana.tj("mood", "5", "--journal", "Private")  # named: not the default's words
    assert named.exit_code == 1 and "your default journal" not in named.stderr, named.stderr
