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
    assert json.loads(bare.stdout)["safety_plan_shown"] == {"before": "Private", "now": None}
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
    assert "Make Dreams your default journal on this device all the same?" in text, text
    assert dreams[:8] + " your default" not in text, text
    error = failure(await ana.tj("journal", "default", "Dreams", "--json", input=""))
    assert error["subject"] == "shared default" and error["journal"] == "Dreams", error
    assert [r["username"] for r in error["readers"]] == ["tom"], error
    assert (await ana.json("journal", "default"))["name"] == "Personal"
