"""The commands `tj safety plan --journal Work` prints act on Work (fix30k): its "share
flags" line advised `tj safety plan --share-flags`, which opts in the members of the default
journal (Personal), not Work's; a PHQ-9 answered in Personal named `tj safety plan`, the
default journal's plan, whichever journal that is (real server on loopback)."""

from __future__ import annotations

from pathlib import Path

from cli.measures import plan_then
from cli.terminal import shown
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli_insights import new_device


async def test_share_flags_advice_names_the_journal_and_opts_in_there(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drsmith", "--role", "annotate", "--trust-on-first-use")
    await ana.ok("share", "Work", "drsmith", "--role", "annotate", "--safety-flags")
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Work", "tom", "--full", "--role", "annotate", *fingerprint)
    await ana.ok("share", "Personal", "tom", "--full", "--role", "annotate", *fingerprint)

    shown = (await ana.ok("safety", "plan", "--journal", "Work")).stdout
    [line] = [line for line in unwrapped(shown).splitlines() if line.startswith("share flags:")]
    advised = "`tj safety plan --journal Work --share-flags`"
    assert line == (
        f"share flags:  yes (flags reach drsmith; not tom, who also read it: {advised} "
        "names whom it adds and asks)"
    ), line

    # the command as printed opts tom in for Work, and Personal's plan is left as it was
    await ana.ok(*advised.strip("`").split()[1:], "--yes")
    work = await ana.json("safety", "plan", "--journal", "Work")
    assert (work["flags_reach"], work["not_opted_in"]) == (["drsmith", "tom"], [])
    personal = await ana.json("safety", "plan")
    assert personal["share_flags"] is False, personal


def test_a_plan_named_by_its_journal_even_personal() -> None:
    """`tj safety plan` with no --journal is the default journal's, which may be another
    than Personal (`tj journal default`): the command names the journal it is about."""
    assert "`tj safety plan --journal Personal`." in shown(plan_then("Personal"))
    assert "`tj safety plan --journal Work`." in shown(plan_then("Work"))
    assert "`tj safety plan`." in shown(plan_then(None))
