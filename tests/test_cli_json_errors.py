"""A `--json` command that fails says so on stdout as JSON (README's `--json` paragraph):
one object `{"error": {"subject", "message", "code", "exit_status", "answered_by"}}`, the exit status as
without `--json`, and the human "Error: ..." line on stderr as ever. Real server on loopback
(stopped with the `outage` fixture), the CLI through CliRunner; stdout parsed as JSON."""

from __future__ import annotations

import json
from typing import Any

from tests.test_cli import Device, Outage, Seen, laptop, outage  # noqa: F401


def failure(done: Seen, extra: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The error object of a failed command's stdout, checked against its exit status and
    its stderr line; `extra`: the keys a command adds (`output.ERROR_EXTRA`), exactly."""
    assert done.exit_code not in (0, None), done.output
    said = json.loads(done.stdout)
    assert list(said) == ["error"], said
    error = said["error"]
    keys = {"subject", "message", "code", "exit_status", "answered_by"} | extra
    assert set(error) == keys, error
    assert error["exit_status"] == done.exit_code
    assert "Error: " in done.stderr
    assert " ".join(error["message"].split())[:40] in " ".join(done.stderr.split())
    return dict(error)


async def test_sync_json_with_the_server_down_prints_the_error_as_json(
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    await laptop.ok("write", "Kept here.")
    await outage.begin()
    error = failure(await laptop.tj("sync", "--json"))
    assert error["exit_status"] == 1
    assert "cannot reach the server" in error["message"], error
    assert error["subject"] == "network", error  # an app tells "offline" by it, not by words
    assert error["code"] is None  # nothing answered: no server code
    without = await laptop.tj("sync")  # the same status, and nothing on stdout
    assert (without.exit_code, without.stdout) == (1, "")


async def test_a_refused_value_and_an_unknown_id_are_json_errors_with_their_status(
    laptop: Device,  # noqa: F811
) -> None:
    missing = failure(await laptop.tj("show", "0123456789ab", "--json"))
    assert missing["exit_status"] == 1 and missing["subject"] == "document", missing
    malformed = failure(await laptop.tj("show", "zzzz", "--json"))
    assert malformed["exit_status"] == 2, malformed
    bad_option = failure(await laptop.tj("list", "--json", "--limit", "x"))
    assert (bad_option["exit_status"], bad_option["subject"]) == (2, "value"), bad_option
    # one subject for a value refused as given, whether the CLI or the SDK read it
    for words in (
        ("write", "--mood", "11", "x"),
        ("list", "--since", "2026-13-01"),
        ("measure", "take", "phq9", "--answers", "1,2"),
        ("show", "zzzz"),
    ):
        refused = failure(await laptop.tj(*words, "--json"))
        assert (refused["exit_status"], refused["subject"]) == (2, "value"), (words, refused)
    unknown = failure(await laptop.tj("list", "--json", "--no-such-option"))
    assert (unknown["exit_status"], unknown["subject"]) == (2, "usage"), unknown
    before = failure(await laptop.tj("list", "--limit", "x", "--json"))  # read eagerly
    assert before["exit_status"] == 2, before


async def test_a_command_without_json_prints_nothing_on_stdout_when_it_fails(
    laptop: Device,  # noqa: F811
) -> None:
    done = await laptop.tj("show", "0123456789ab")
    assert (done.exit_code, done.stdout) == (1, "")
    done = await laptop.tj("delete", "0123456789ab")
    assert (done.exit_code, done.stdout) == (1, "")
    said = failure(await laptop.tj("delete", "0123456789ab", "--json"))  # every command has it
    assert (said["subject"], said["exit_status"]) == ("document", 1), said


async def test_a_locked_profile_with_no_passphrase_says_the_sdks_subject(
    laptop: Device,  # noqa: F811
) -> None:
    """An app driving `tj --json` asks for the passphrase on the subject, as the SDK's
    AuthError gives it ("passphrase needed"), not on the message's words."""
    await laptop.ok("lock", env={"TJ_NEW_PASSPHRASE": "a long local passphrase"})
    locked = failure(await laptop.tj("list", "--json", input="", env={"TJ_PASSPHRASE": None}))
    assert (locked["subject"], locked["exit_status"]) == ("passphrase needed", 1), locked
