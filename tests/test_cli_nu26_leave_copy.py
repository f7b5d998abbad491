"""NU26 C2: a therapist who leaves a client's whole journal while the client also shares a
field-level copy of it with them (`tj share Personal drsmith --only mood,tags`, kept after a
narrow and a widen) is told the copy keeps arriving and how to leave it too, by the
question and the result of `tj leave`; the client's notice says the therapist still reads
the copy. Nothing said is false: what the copy carries keeps arriving. Without a copy the
words are as before. Real server on loopback, real crypto. See /work/NU26-FINDINGS.md."""

from __future__ import annotations

from pathlib import Path

from tests import notice_times
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
COPY = "ana/Personal (mood, tags) for drsmith"


def flat(text: str) -> str:
    return " ".join(text.split())


STILL = (
    "You still receive 'ana/Personal (mood, tags) for drsmith', the copy of some of its fields "
    "ana keeps for you: those fields of what ana writes keep arriving there; leave it too "
    "with `tj leave 'ana/Personal (mood, tags) for drsmith'`."
)


def timeless(text: str) -> str:
    """`text` with each local time of a notice ("(13:07)", or "(2026-12-01 23:59)" after
    midnight) written "(TIME)"."""
    return notice_times.timeless(text, "(TIME)")


async def test_leave_names_the_copy_that_keeps_arriving(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--yes")  # narrow
    await ana.ok("share", "Personal", "drsmith", "--full", "--yes")  # and widen again
    await ana.ok("share", "Personal", "drlee", "--full", TOFU)  # no copy for drlee
    await drsmith.ok("sync")
    await drlee.ok("sync")
    assert sorted(j["owner_journal_name"] for j in await drsmith.json("shared-with-me")) == [
        "Personal",
        "Personal (mood, tags) for drsmith",
    ]

    asked = await drsmith.tj("leave", "ana/Personal", input="n\n")
    assert asked.exit_code == 1, asked.output
    assert flat(asked.stderr) == flat(  # the question wrapped at the width (NU50 F5)
        "Leave ana/Personal? Nothing ana writes in it from now on, safety flags included, "
        f"reaches you through it, and only ana can share it with you again. {STILL} "
        '[y/N]: n\nNot done: you answered no to "Leave ana/Personal? Nothing ana writes in '
        "it from now on, safety flags included, reaches you through it, and only ana can "
        f'share it with you again. {STILL}".\n'
    )
    assert asked.stderr.count("\n") > 2  # wrapped
    left = await drsmith.ok("leave", "ana/Personal", "--yes")
    assert flat(left.stderr) == flat(
        f"You left ana/Personal; it is no longer shared with you. {STILL}\n"
    )
    plain = await drlee.ok("leave", "ana/Personal", "--yes")  # no copy: as before
    assert unwrapped(plain.stderr) == "You left ana/Personal; it is no longer shared with you.\n"

    drsmith_held = f"--fingerprint '{drsmith.signup['fingerprint']}'"  # nu84 F5
    drlee_held = f"--fingerprint '{drlee.signup['fingerprint']}'"
    told = await ana.ok("sync")
    assert timeless(unwrapped(told.stderr)) == (
        "Notice: drsmith no longer reads Personal (TIME): the server says they left the share "
        "(not signed by them); this device removed them from the journal's access and "
        "changed its key, so new entries and safety flags no longer reach them through it; "
        "they still read 'Personal (mood, tags) for drsmith', the copy of some of its fields "
        "you keep for them, so what it copies of new entries still reaches them (`tj unshare "
        "Personal drsmith` ends it).\n"
        f"If they did not mean to leave, share again: `tj share Personal drsmith --full {drsmith_held}`\n"
        "Notice: drlee no longer reads Personal (TIME): the server says they left the share "
        "(not signed by them); this device removed them from the journal's access and "
        "changed its key, so new entries and safety flags no longer reach them.\n"
        f"If they did not mean to leave, share again: `tj share Personal drlee --full {drlee_held}`\n"
    ) or timeless(unwrapped(told.stderr)) == (  # the two notices in the other order
        "Notice: drlee no longer reads Personal (TIME): the server says they left the share "
        "(not signed by them); this device removed them from the journal's access and "
        "changed its key, so new entries and safety flags no longer reach them.\n"
        f"If they did not mean to leave, share again: `tj share Personal drlee --full {drlee_held}`\n"
        "Notice: drsmith no longer reads Personal (TIME): the server says they left the share "
        "(not signed by them); this device removed them from the journal's access and "
        "changed its key, so new entries and safety flags no longer reach them through it; "
        "they still read 'Personal (mood, tags) for drsmith', the copy of some of its fields "
        "you keep for them, so what it copies of new entries still reaches them (`tj unshare "
        "Personal drsmith` ends it).\n"
        f"If they did not mean to leave, share again: `tj share Personal drsmith --full {drsmith_held}`\n"
    ), unwrapped(told.stderr)

    # What was said is true: the copy keeps arriving...
    await ana.ok("write", "--mood", "1", "--tag", "panic", "after dr left")
    await drsmith.ok("sync")
    [entry] = await drsmith.json("list", "--journal", COPY)
    assert (entry["mood"], entry["tags"], entry["body"]) == (1, ["panic"], "")
    # ...until he leaves it too, with the command he was given (no copy of a copy is named)
    gone = await drsmith.ok("leave", COPY, "--yes")
    # a name of several words quoted (NU59 #8)
    said = flat(gone.stderr)
    assert said == f"You left '{COPY}'; it is no longer shared with you.", gone.stderr
    assert all(j["share_ended"] for j in await drsmith.json("shared-with-me"))


async def test_new_terms_refused_after_a_leave_name_the_copy_still_read(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """New terms given before a sync saw the leave are refused (the member is taken off the
    journal's access first); the refusal names the field-level copy they still read, in the
    words of the sync's notice (NU26 C2)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--yes")  # narrow
    await ana.ok("share", "Personal", "drsmith", "--full", "--yes")  # and widen again
    await drsmith.ok("sync")
    await drsmith.ok("leave", "ana/Personal", "--yes")

    refused = await ana.tj("share", "Personal", "drsmith", "--role", "annotate")
    assert refused.exit_code == 1, refused.output
    assert " ".join(refused.stderr.split()) == (
        "Error: drsmith no longer reads 'Personal': the server says they left the share (not "
        "signed by them) (they still read 'Personal (mood, tags) for drsmith', the copy of "
        "some of its fields you keep for them, so what it copies of new entries still "
        "reaches them), so this device removed them from the journal's access and nothing "
        f"else was changed. To share it with them again: `{ana.command} share Personal drsmith "
        f"--full --role annotate --fingerprint '{drsmith.signup['fingerprint']}'`"  # as asked
    ), refused.stderr
