"""R39 F3: `tj safety plan --share-flags`, even sent with an unrelated edit, opted in every
member silently, also one the client had deliberately not opted in. It now names whom it
would add and asks (default no; a script without a terminal is refused; --yes does not ask).
Real server on loopback, real crypto."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())  # a message wraps on a narrow terminal


async def clients(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device, Device]:
    """ana opted in her therapist drsmith (`--safety-flags`); tom reads Personal too, with
    the annotate role, not opted in."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    tom = await new_device(live_server, tmp_path, "tom")
    share = ("share", "Personal", "--full", "--role", "annotate", "--trust-on-first-use")
    await ana.ok(*share[:2], "drsmith", *share[2:], "--safety-flags")
    await ana.ok(*share[:2], "tom", *share[2:])
    return ana, drsmith, tom


async def test_share_flags_with_another_edit_names_the_member_it_adds_and_asks(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, _drsmith, _tom = await clients(live_server, tmp_path)
    for answer in (None, "n\n"):  # no terminal (nothing answered), then "no"
        refused = await ana.tj(
            "safety", "plan", "--emergency", "112", "--share-flags", input=answer
        )
        assert refused.exit_code == 1, refused.output
        told = said(refused.stderr)
        assert "Safety flags of Personal go to drsmith now." in told
        assert "--share-flags opts in tom, who read Personal now" in told
        asked = "Send safety flags to tom? [y/N]"  # with no answer, named in one line (NU33 #2)
        assert (asked if answer else "The question: Send safety flags to tom?") in told
        plan = await ana.json("safety", "plan")
        assert plan["emergency_number"] is None  # nothing changed: not even the number
        assert plan["flags_reach"] == ["drsmith"] and plan["not_opted_in"] == ["tom"]
    shown = said((await ana.ok("safety", "plan")).stdout)
    assert "share flags: yes (flags reach drsmith; not tom, who also read it: " in shown

    agreed = await ana.ok("safety", "plan", "--emergency", "112", "--share-flags", input="y\n")
    assert "Send safety flags to tom? [y/N]: y" in said(agreed.stderr)
    assert "share flags:  yes (flags reach drsmith, tom)" in agreed.stdout
    assert "emergency:    112" in agreed.stdout

    # Nothing new to opt in: no question.
    again = await ana.ok("safety", "plan", "--share-flags", "--text", "Ring Jo.")
    assert "Send safety flags" not in again.stderr and "opts in" not in again.stderr


async def test_share_flags_with_yes_names_the_members_without_asking(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, _drsmith, _tom = await clients(live_server, tmp_path)
    done = await ana.ok("safety", "plan", "--share-flags", "--yes")
    assert "--share-flags opts in tom, who read Personal now" in said(done.stderr)
    assert "[y/N]" not in done.stderr
    assert (await ana.json("safety", "plan"))["flags_reach"] == ["drsmith", "tom"]


async def test_the_first_opt_in_names_everyone_it_covers_and_asks(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A client who never opted anyone in: `--share-flags` is for the members the journal is
    shared with now (as documented), and names them first."""
    ana = await new_device(live_server, tmp_path, "ana")
    for name in ("drsmith", "tom"):
        await new_device(live_server, tmp_path, name)
        await ana.ok(
            "share", "Personal", name, "--full", "--role", "annotate", "--trust-on-first-use"
        )
    refused = await ana.tj("safety", "plan", "--share-flags")
    assert refused.exit_code == 1
    told = said(refused.stderr)
    assert "--share-flags opts in drsmith and tom, who read Personal now" in told
    assert "Safety flags of Personal go to" not in told
    assert (await ana.json("safety", "plan"))["share_flags"] is False
    await ana.ok("safety", "plan", "--share-flags", input="y\n")
    assert (await ana.json("safety", "plan"))["flags_reach"] == ["drsmith", "tom"]
