"""Every `tj` command takes `--json` (README's `--json` paragraph): on success one JSON object
saying what was done, on failure the error object, its `subject` one an app can branch on: the
SDK's (`client_sdk.errors.SUBJECTS`) or the CLI's own (`cli.main.CLI_SUBJECTS`). Real server on
loopback, the CLI through CliRunner."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import click

from cli.main import CLI_SUBJECTS, cli, is_cli_subject
from client_sdk.errors import SUBJECTS
from tests.conftest import RunningServer, product_tree
from tests.test_cli import Device, all_commands, laptop  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_json_errors import failure
from tests.test_cli_safety_item import opted_in

CLI = Path(__file__).resolve().parent.parent / "cli"


def test_every_command_takes_json() -> None:
    """Walks click's command tree: a command added without `--json` fails here."""
    lacking = []
    for words in all_commands(cli):
        command: click.Command = cli
        for word in words:
            assert isinstance(command, click.Group)
            found = command.get_command(click.Context(command), word)
            assert found is not None
            command = found
        if isinstance(command, click.Group):
            continue
        if not any(p.name == "as_json" for p in command.params):
            lacking.append(" ".join(words))
    assert lacking == []


def test_every_subject_the_cli_gives_is_a_documented_one() -> None:
    """Each `Failed(...)` (a failure the CLI says itself) and each `InvalidInput(...)` raised in
    cli/ names its subject: a literal one is the SDK's or one of CLI_SUBJECTS; none is
    missing (a failure without a subject was `null` in the error object)."""
    unknown, missing = [], []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(product_tree(path)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("Failed", "SaidFailure") and not node.keywords:  # not measures' own
                subject = node.args[1] if len(node.args) > 1 else None
            elif name == "InvalidInput":
                subject = next((k.value for k in node.keywords if k.arg == "subject"), None)
            elif name == "ClickException":
                where = f"{path.name}:{node.lineno}"
                missing.append(where)  # each says its subject through JSON_SAID, two only
                continue
            else:
                continue
            if subject is None:
                missing.append(f"{path.name}:{node.lineno}")
            elif isinstance(subject, ast.Constant) and subject.value not in {
                *SUBJECTS,
                *CLI_SUBJECTS,
            }:
                unknown.append((path.name, node.lineno, subject.value))
    assert unknown == []
    assert [m.split(":")[0] for m in missing] == ["main.py", "main.py"]  # `TJGroup.failing`'s


async def test_destructive_commands_say_what_they_did_as_json(
    laptop: Device,  # noqa: F811
) -> None:
    written = await laptop.json("write", "Gone soon.")
    trashed = await laptop.json("delete", written["id"][:8], "--yes")
    assert trashed == {
        "action": "trashed",
        "entry_id": written["id"],
        "journal": written["journal"],
        "already": False,
        "former_members": [],
    }
    assert await laptop.json("restore", written["id"][:8]) == {
        "action": "restored",
        "entry_id": written["id"],
    }
    await laptop.ok("delete", written["id"][:8], "--yes")
    emptied = await laptop.json("trash", "empty", "--yes")
    assert emptied == {"action": "emptied trash", "deleted": 1, "kept": 0}
    await laptop.ok("journal", "create", "Dreams")
    archived = await laptop.json("journal", "archive", "Dreams")
    assert (archived["action"], archived["name"], archived["archived"]) == (
        "archived",
        "Dreams",
        True,
    )
    deleted = await laptop.json("journal", "delete", "Dreams", "--yes")
    assert (deleted["action"], deleted["name"]) == ("deleted", "Dreams")
    renamed = await laptop.json("devices", "rename", "Desk")
    assert (renamed["action"], renamed["name"]) == ("renamed", "Desk")
    # failures: the error object, with the subject an app branches on
    missing = failure(await laptop.tj("restore", "abcd1234", "--json"))
    assert (missing["subject"], missing["exit_status"]) == ("document", 1), missing
    out = await laptop.json("logout", "--yes")
    assert (out["action"], out["discarded"], out["server_told"]) == ("signed out", 0, True)


async def test_a_question_declined_or_left_unanswered_has_its_own_subject(
    laptop: Device,  # noqa: F811
) -> None:
    written = await laptop.json("write", "Kept.")
    no = await laptop.tj("delete", written["id"][:8], "--json", input="n\n")
    declined = json.loads(no.stdout)["error"]  # its line on stderr is "Not done: ..."
    assert (declined["subject"], no.exit_code) == ("declined", 1), declined
    unanswered = failure(await laptop.tj("delete", written["id"][:8], "--json", input=""))
    assert (unanswered["subject"], unanswered["exit_status"]) == ("confirm delete", 1), unanswered
    assert "--yes" in unanswered["message"]
    await laptop.ok("journal", "create", "Dreams")
    mistyped = failure(await laptop.tj("journal", "delete", "Dreams", "--json", input="Drems\n"))
    assert mistyped["subject"] == "declined", mistyped
    assert [e["id"] for e in await laptop.json("list")] == [written["id"]]


async def test_assignments_cancel_asks_first_and_yes_skips_the_question(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    made = await drsmith.json("assign", "ana/Personal", "measure", "gad7", "--every", "7", "--yes")
    ident = made["id"]
    kept = await drsmith.tj("assignments", "cancel", ident[:8], input="n\n")
    assert kept.exit_code == 1 and "Cancel " in kept.stderr, kept.output
    assert [a["id"] for a in await drsmith.json("assignments")] == [ident]
    done = await drsmith.json("assignments", "cancel", ident[:8], "--yes")
    assert done == {"action": "cancelled", "assignment_id": ident}
    assert await drsmith.json("assignments") == []


async def test_a_share_gone_is_one_subject_for_note_ack_and_assign_and_a_client_unknown_another(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A therapist app shows one "share ended" state whichever command met it."""
    ben, drsmith = await opted_in(live_server, tmp_path)
    await ben.ok("measure", "take", "phq9", input="1\n1\n1\n1\n1\n1\n1\n1\n2\n\n")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    await ben.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    for words in (
        ("note", "ben", "Homework for next week"),
        ("safety", "ack", flag["id"][:8]),
        ("assign", "ben/Personal", "measure", "phq9", "--every", "14", "--yes"),
    ):
        error = failure(await drsmith.tj(*words, "--json"))
        assert error["subject"] == "share ended", (words, error)
    unknown = failure(await drsmith.tj("private-notes", "--client", "bem", "--json"))
    assert unknown["subject"] == "client", unknown
    assert "did you mean 'ben'" in unknown["message"] or "'ben'" in unknown["message"]


def test_the_readme_lists_the_clis_own_subjects() -> None:
    readme = (CLI.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("A command\ngiven `--json` that fails")
    paragraph = " ".join(readme[start : start + 3000].split())
    for subject in CLI_SUBJECTS:
        assert f'"{subject}"' in paragraph, subject
    assert json.dumps("share ended") in paragraph and '"client"' in paragraph


async def test_common_failures_each_say_a_documented_subject(
    laptop: Device,  # noqa: F811
) -> None:
    """A list of failing commands a user meets: none says `null`, each a subject of the
    documented lists, the one an app branches on."""
    kept = await laptop.json("write", "Kept.")
    cases = [
        (("restore", "0123456789ab"), "document"),
        (("restore", kept["id"][:8]), "deleted"),  # not in the trash
        (("delete", kept["id"][:8]), "confirm delete"),  # stdin ended at the question
        (("journal", "delete", "No such journal", "--yes"), "journal"),
        (("devices", "revoke", "nosuchdevice", "--yes"), "device"),
        (("write", "--emotion", "hapy", "x"), "value"),
        (("private-notes", "--client", "zed"), "client"),
    ]
    for words, subject in cases:
        error = failure(await laptop.tj(*words, "--json", input=""))
        assert error["subject"] == subject, (words, error)
        assert error["subject"] in SUBJECTS or is_cli_subject(error["subject"]), (words, error)


async def test_brief_json_answered_no_gives_the_declined_error_object(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "Slept badly.")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--fingerprint", drsmith.signup["fingerprint"]
    )
    no = await ana.tj("brief", "drsmith", "--json", input="n\n")
    declined = json.loads(no.raw_stdout)["error"]
    assert (declined["subject"], no.exit_code) == ("declined", 1), declined
    plain = await ana.tj("brief", "drsmith", input="n\n")  # without --json: said, exit 0
    assert (plain.exit_code, "Not shared." in plain.stderr) == (0, True), plain.stderr
