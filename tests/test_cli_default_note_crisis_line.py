"""rev29c F2: `tj journal default NAME` says what the safety message shows once NAME, with
no safety plan written, is the default journal: the built-in numbers, and the crisis line a
therapist set in a journal that shows no plan (never "only the built-in numbers" while it
shows one), by the SDK's own rule (`SafetyPath.shown_plans`). Real server on loopback, real
crypto; CliRunner."""

from __future__ import annotations

import json

from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom  # noqa: F401 (fixtures)


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_new_default_with_a_therapists_crisis_line_says_the_message_shows_it(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    await ana.ok("safety", "plan", "--emergency", "0800 1", "--text", "Ring Jo.")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok(
        "share", "Dreams", "tom", "--role", "annotate",
        "--fingerprint", tom.signup["fingerprint"],
    )  # fmt: skip
    await tom.ok("sync")
    await tom.ok("safety", "crisis-line", "ana/Dreams", "Clinic 0800 222")
    await ana.ok("sync")
    moved = said((await ana.ok("journal", "default", "Dreams", "--yes")).stderr)
    assert "only the built-in numbers" not in moved, moved
    assert (
        "Note: 'Dreams' has no safety plan written: the safety message (shown when a PHQ-9's "
        "item 9 is answered above 0) in every journal with no safety plan of its own now shows "
        "the built-in numbers, and the crisis line a therapist set in that journal if one did "
        "(in 'Dreams': Clinic 0800 222 (set by tom)), no longer the plan of 'Personal'; "
        "`tj safety plan --journal Dreams --text TEXT` writes one (`tj safety plan --journal "
        "Dreams --copy-from Personal` copies that one)."
    ) in moved, moved
    shown = await ana.json("safety", "plan", "--journal", "Dreams")
    assert shown["crisis_line_in_use"] == "Clinic 0800 222", shown
    await ana.ok("journal", "default", "Personal", "--yes")
    back = await ana.tj("journal", "default", "Dreams", "--yes", "--json")
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)["safety_plan_shown"] == {
        "before": "Personal",
        "now": None,
        "crisis_lines": {"Dreams": "Clinic 0800 222 (set by tom)"},
    }
