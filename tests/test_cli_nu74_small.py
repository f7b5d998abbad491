"""A new user's review (NU74), its smaller findings, against a real server on loopback with
real crypto (see tests/test_cli.py for the set-up).

- F9: `tj brief ana` on the therapist's device (ana shares a journal with them) said to name
  journals "to share one anyway": it now points to `tj briefs` and `tj show ID`.
- F10: `tj unshare` said "may not have received this" above a list of two flags.
- F12: "Earlier, fetched by other commands since your last `tj sync`" on a home that never
  ran `tj sync`.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
ITEM_9 = "1,1,1,1,1,1,1,1,2"  # 10, item 9 answered 2


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_therapist_asking_for_a_clients_brief_is_pointed_to_tj_briefs(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F9: drsmith shares nothing with ana, ana shares Personal with drsmith: `tj brief ana`
    says where ana's briefs are read, and what `tj brief ana` would do (share drsmith's own
    journals), never "share one anyway" alone; a client sharing nothing with a therapist
    still gets the words of NU51 F5."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", TOFU)
    await drsmith.ok("sync")
    refused = await drsmith.tj("brief", "ana", TOFU)
    assert refused.exit_code == 1 and refused.stdout == "", refused.output
    assert flat(refused.stderr) == (
        "Error: you share no journal with ana: `tj brief ana` prepares a brief of your own "
        "journals to share with them. ana shares 'ana/Personal' with you: the briefs ana "
        "shared with you are listed by `tj briefs`, and `tj show ID` reads one. To share a "
        "brief of your own journals with ana all the same: `tj brief ana --journal NAME` "
        "(repeatable)"
    ), refused.stderr
    assert "share one anyway" not in refused.stderr

    others = await ana.tj("brief", "drsmith", TOFU, "--yes")  # ana shares: no refusal
    assert others.exit_code == 0, others.output
    await drsmith.ok("sync")
    listed = await drsmith.ok("briefs")
    assert "ana" in listed.stdout, listed.output


async def test_unshare_names_two_undelivered_flags_as_these(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F10: two safety flags drsmith has not marked read: "may not have received these",
    "downloaded them"; one flag keeps "this" and "it" (tests/test_cli_unshare_undelivered)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags", TOFU
    )
    await drsmith.ok("sync")
    await ana.ok("measure", "take", "phq9", "--answers", ITEM_9)
    await ana.ok("measure", "take", "phq9", "--answers", ITEM_9)
    refused = await ana.tj("unshare", "Personal", "drsmith", input="n\n")
    assert refused.exit_code == 1, refused.output
    text = flat(refused.stderr)
    assert "drsmith may not have received these from Personal: - the safety flag of " in text
    assert text.count("- the safety flag of ") == 2, text
    assert "cannot tell whether drsmith's device downloaded them," in text, text
    assert "received this" not in text and "downloaded it," not in text, text


async def test_the_earlier_line_of_a_first_tj_sync_never_speaks_of_a_last_tj_sync(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F12: drsmith signed up and never ran `tj sync`; `tj caseload` fetched ana's share and
    entry first. The first `tj sync` says what it fetched since the last `tj sync` or
    sign-in (the sign-up here), never as if a `tj sync` had run before."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", TOFU)
    await ana.ok("write", "--mood", "2", "A bad night.")
    await drsmith.ok("caseload")  # syncs quietly first
    said = flat((await drsmith.ok("sync")).stdout)
    assert "Earlier, fetched by other commands since your last `tj sync` or sign-in:" in said
    assert "since your last `tj sync`:" not in said, said


async def test_the_notice_of_an_unshare_says_who_the_account_label_in_its_commands_is(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F11: after ana's plain unshare, drsmith's `tj sync` names the copy's commands by ana's
    account (REV-S9B S9B-1: a later verify may give the name to someone else), and says
    that label is ana, as `tj shared-with-me` does, rather than leave it read as a stranger."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", TOFU)
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    said = flat((await drsmith.ok("sync")).stderr)
    label = f"ana (account {(await ana.json('whoami'))['account_id'][:8]})"
    assert f"`tj forget '{label}/Personal' --unlisted`" in said, said  # as before
    assert (
        f"'{label}' is ana, named by account in these commands because that share is no "
        "longer served to you, so that they act on that account only, even if the name is "
        "later given to someone else."
    ) in said, said
