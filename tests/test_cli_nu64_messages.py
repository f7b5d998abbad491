"""A therapist's review with four clients (NU64): the caseload's mood column says the 4-week
mean the README speaks of (F6); `share_ended` means one thing in `tj list --json` and in
the export (F8); a private note about a client who shares several journals names the
commands (F10); a mistyped flag id, account name and a tab in a journal name (F12); the
safety flags' client column keeps a copy's state short (F17). Real server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
NARROW = {"COLUMNS": "80"}


def flat(text: str) -> str:
    return " ".join(text.split())


async def therapist_and_client(
    server: RunningServer, tmp_path: Path, *share: str
) -> tuple[Device, Device]:
    drsmith = await new_device(server, tmp_path, "drsmith")
    ana = await new_device(server, tmp_path, "ana")
    answer = "y\n" if "--safety-flags" in share else None  # a new member: asked
    await ana.ok("share", "Personal", "drsmith", TOFU, *share, input=answer)
    return drsmith, ana


async def test_the_caseload_table_gives_the_4_week_mean_mood_beside_the_8_weeks(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F6: the table headed its sparkline "mood 8 wk" and gave no number, while the README
    speaks of the 4-week trend and `--html`/`--json` give the 4-week mean."""
    drsmith, ana = await therapist_and_client(live_server, tmp_path)
    await ana.ok("write", "--mood", "4", "A grey day.")
    await ana.ok("write", "--mood", "5", "A bit better.")
    [row] = await drsmith.json("caseload")
    assert row["mood_recent"] == 4.5, row
    shown = (await drsmith.ok("caseload", env=NARROW)).stdout
    lines = shown.splitlines()
    [header] = [line for line in lines if line.startswith("client")]
    assert "mood 4w, 8w" in header and "mood 8 wk" not in header, shown
    [line] = [line for line in lines if line.startswith("ana")]
    assert f"4.5{row['sparkline']}" in line, shown  # the mean, then the 8 weeks
    assert len(row["sparkline"]) == 8, row
    assert max(len(x) for x in lines) <= 80, shown


async def test_share_ended_means_one_thing_in_tj_list_and_the_export_of_the_same_copy(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F8: after ana's `tj unshare` (the server's word, to drsmith's device), `tj list
    --json` said "share_ended": false, "unlisted": true of its entries and the export's
    journal "share_ended": true, "unlisted": true: never both, in either. A share drsmith
    left (his own word) is "share_ended" in both."""
    drsmith, ana = await therapist_and_client(live_server, tmp_path)
    ben = await new_device(live_server, tmp_path, "ben")
    await ben.ok("share", "Personal", "drsmith", TOFU)
    await ana.ok("write", "Ana's day.")
    await ben.ok("write", "Ben's day.")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("leave", "ben/Personal", "--yes")
    await drsmith.ok("sync")

    listed = {e["journal"]: (e["share_ended"], e["unlisted"]) for e in await drsmith.json("list")}
    assert listed == {"ana/Personal": (False, True), "ben/Personal": (True, False)}, listed
    for client in ("ana", "ben"):
        out = tmp_path / f"export-{client}"
        done = await drsmith.ok("export", "--client", client, "--out", str(out))
        data = json.loads(Path(done.stdout.strip()).read_text())
        [journal] = data["journals"]
        said = (journal["share_ended"], journal["unlisted"])
        assert said == listed[f"{client}/Personal"], (client, journal)

    markdown = tmp_path / "md"
    await drsmith.ok("export", "--format", "markdown", "--out", str(markdown))
    [ana_entry] = (markdown / "ana" / "personal (no longer served)").glob("*.md")
    front = ana_entry.read_text().split("---")[1]
    assert "unlisted: true" in front and "share_ended" not in front, front
    [ben_entry] = (markdown / "ben" / "personal (share ended)").glob("*.md")
    front = ben_entry.read_text().split("---")[1]
    assert "share_ended: true" in front and "unlisted" not in front, front


async def test_a_private_note_about_a_client_with_two_journals_names_the_commands(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F10: `tj private-notes add ana TEXT` when ana shares two journals named the journals
    only; it names the command for each, and that the note is listed under ana whichever."""
    drsmith, ana = await therapist_and_client(live_server, tmp_path)
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drsmith", TOFU)
    await drsmith.ok("sync")
    refused = await drsmith.tj("private-notes", "add", "ana", "Sleep worse.")
    assert refused.exit_code == 1, refused
    said = flat(refused.stderr)
    assert said.startswith("Error: ana shares several journals with you"), said
    for journal in ("ana/Personal", "ana/Work"):
        assert f"`tj private-notes add {journal} 'Sleep worse.'`" in said, said
    assert "listed under ana whichever it names: `tj private-notes --client ana`" in said, said
    await drsmith.ok("private-notes", "add", "ana/Work", "Sleep worse.")
    [note] = await drsmith.json("private-notes", "--client", "ana")
    assert (note["client"], note["journal"], note["text"]) == ("ana", "ana/Work", "Sleep worse.")


async def test_a_mistyped_flag_id_and_account_name_are_told_as_other_commands_tell_them(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F12: `tj safety ack` of a mistyped id said "try `tj sync`" (no "check the id", no
    close id); `tj verify anna FP` gave no "did you mean 'ana'?"."""
    drsmith, ana = await therapist_and_client(
        live_server, tmp_path, "--role", "annotate", "--safety-flags"
    )
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    ident = flag["id"]
    typo = ident[:4] + ("0" if ident[4] != "0" else "1")
    refused = await drsmith.tj("safety", "ack", typo)
    assert refused.exit_code == 1, refused
    said = flat(refused.stderr)
    assert f"no safety flag {typo} on this device: check the id" in said, said
    assert f"(did you mean {ident[:12]}?)" in said and "tj sync" not in said, said
    unknown = await drsmith.tj("safety", "ack", "0000000000")
    said = flat(unknown.stderr)
    assert unknown.exit_code == 1 and "(it synced just now): check the id" in said, said
    await drsmith.ok("safety", "ack", ident[:8])

    fingerprint = ana.signup["fingerprint"]
    refused = await drsmith.tj("verify", "anna", fingerprint)
    assert refused.exit_code == 1, refused
    assert "no account is named 'anna' (did you mean 'ana'?): check the spelling" in flat(
        refused.stderr
    ), refused.stderr


async def test_a_tab_in_a_journal_name_is_told_as_a_space(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F12: `tj journal create $'tab\\there'` made 'tab here' without a word."""
    ana = await new_device(live_server, tmp_path, "ana")
    made = await ana.ok("journal", "create", "tab\there")
    said = flat(made.stderr + made.stdout)
    assert "Created journal 'tab here' (each tab in the name given became one space" in said
    assert "tab here" in {j["name"] for j in await ana.json("journal", "list")}
    plain = await ana.ok("journal", "create", "Dreams")
    assert "became one space" not in plain.stderr + plain.stdout
    renamed = await ana.ok("journal", "rename", "Dreams", "Night\n  dreams")
    said = flat(renamed.stderr + renamed.stdout)
    assert "'Night dreams' (each line break and run of spaces in the name given" in said, said


async def test_the_safety_flags_client_column_keeps_a_copys_state_short(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F17: at 80 columns "(share no longer served)" took four lines of the client column
    ("(share", "no", "longer", "served)"); a short mark now, said whole below the table."""
    drsmith, ana = await therapist_and_client(
        live_server, tmp_path, "--role", "annotate", "--safety-flags"
    )
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    shown = (await drsmith.ok("safety", "flags", env=NARROW)).stdout
    lines = shown.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("id "))
    rows = lines[start + 2 :]
    end = next(n for n, line in enumerate(rows) if not line.strip() or line.startswith("("))
    table = rows[:end]
    assert len(table) <= 2, shown  # the row, and at most its mark below the name
    assert "(unserved)" in "\n".join(table) and "longer" not in "\n".join(table), shown
    assert (
        "(unserved): share no longer served: the server no longer serves ana's share to you "
        "(they may have ended it, or the server may be holding it back); these flags are "
        "read from the copy kept on this device."
    ) in flat(shown), shown
