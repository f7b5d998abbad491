"""The README's "A therapist's first day" block runs as written (NU19 C29): every `tj` line of
it, from a fresh profile directory, against a real server on loopback, with the server's
address and the client's real fingerprint put in for the README's placeholders."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, run_tj, succeeded
from tests.test_cli_insights import new_device

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
README_URL = "http://127.0.0.1:8765"


def first_day_commands() -> list[list[str]]:
    """Each `tj` command of the block, its trailing comment removed, split as a shell would."""
    match = re.search(r"^### A therapist's first day$.*?```sh\n(.*?)```", README, re.M | re.S)
    assert match, "README.md lacks the therapist's first day block"
    commands = []
    for line in match.group(1).splitlines():
        if line.startswith("tj "):
            words = shlex.split(line, comments=True)
            commands.append(words[1:])
    return commands


def test_the_block_covers_the_therapists_path() -> None:
    names = [" ".join(c[:2]) if c[0] in {"private-notes"} else c[0] for c in first_day_commands()]
    assert names == [
        "signup", "shared-with-me", "verify", "caseload", "list", "note",
        "private-notes add", "assign", "briefs", "sync",
    ]  # fmt: skip


async def test_every_command_of_the_therapists_first_day_works(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "--mood", "4", "Rough week.")
    drsmith = Device(tmp_path / "drsmith", live_server.url)
    readme_fingerprint = ""
    for words in first_day_commands():
        words = [w.replace(README_URL, live_server.url) for w in words]
        if words[0] == "verify":  # the placeholder fingerprint: ana's real one
            readme_fingerprint = words[2]
            words[2] = (await ana.ok("fingerprint")).stdout.strip()
        result = succeeded(await run_tj(["--home", str(drsmith.home), *words]))
        if words[0] == "signup":  # ana shares with the account just made
            await ana.ok(
                "share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use"
            )
        if words[0] == "list":
            assert "Rough week." in result.stdout
        if words[0] == "caseload":
            assert result.stdout.splitlines()[2].split()[0] == "ana"
    assert re.fullmatch(r"(\d{5} ){5}\d{5}", readme_fingerprint)
    notes = await ana.json("notes")
    assert [n["text"] for n in notes] == ["See you Thursday."]
    [due] = await ana.json("due")
    assert (due["target_id"], due["every_days"], due["assigned_by"]) == ("phq9", 14, "drsmith")
    assert len(await drsmith.json("private-notes")) == 1
