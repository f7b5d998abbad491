"""NU31 findings 3, 4, 5, 9 and 11 (fresh-eyes review), each against a real server on
loopback with real crypto (see tests/test_cli.py for the set-up):

- F3: `tj edit ID` without options and without a terminal started $EDITOR anyway;
- F4: `tj recover` read the new password from $TJ_PASSWORD only, `tj password change` from
  $TJ_NEW_PASSWORD;
- F5: `--password-file` worked only before the command;
- F9: a reversed `--since/--until` was "since is after until", exit status 1;
- F11: `tj account delete` left the home's `login_tickets` file behind.
"""

from __future__ import annotations

import stat
from pathlib import Path

from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Device, failed_with_one_line, laptop  # noqa: F401

NEW = "lilac pumpkin sextant harbor"


async def test_edit_without_a_terminal_refuses_and_never_starts_the_editor(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    entry_id = (await laptop.ok("write", "Kept as it is.")).stdout.strip()
    started = tmp_path / "editor-started"
    script = tmp_path / "editor.sh"
    script.write_text(f'#!/bin/sh\ntouch "{started}"\necho "Changed." > "$1"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    refused = await laptop.tj("edit", entry_id[:8], env={"EDITOR": str(script), "VISUAL": None})
    assert refused.exit_code == 2, refused.output
    assert "run `tj edit ID` on a terminal" in refused.stderr
    assert "the entry was not changed" in refused.stderr
    assert not started.exists()
    assert (await laptop.json("show", entry_id))["body"] == "Kept as it is."
    assert not (laptop.home / "drafts").exists() or not list((laptop.home / "drafts").iterdir())


async def test_recover_takes_the_new_password_from_tj_new_password_as_password_change_does(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    rescued = Device(tmp_path / "rescued", live_server.url)
    env: dict[str, str | None] = {
        "TJ_RECOVERY_KEY": laptop.signup["recovery_key"],
        "TJ_NEW_PASSWORD": NEW,
        "TJ_PASSWORD": None,
    }
    await rescued.ok("recover", live_server.url, "ana", "--keep-others", env=env)
    later = Device(tmp_path / "later", live_server.url)
    await later.ok("login", live_server.url, "ana", env={"TJ_PASSWORD": NEW})

    helped = (await rescued.ok("recover", "--help")).stdout
    assert "$TJ_NEW_PASSWORD" in " ".join(helped.split())
    assert "--new-password-file" in helped


async def test_recover_still_takes_tj_password_and_a_new_password_file(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    first = Device(tmp_path / "first", live_server.url)
    key = {"TJ_RECOVERY_KEY": laptop.signup["recovery_key"]}
    recovered = await first.ok(
        "recover", live_server.url, "ana", "--keep-others", env={**key, "TJ_PASSWORD": NEW}
    )
    new_key = [
        line.split(": ", 1)[1]
        for line in recovered.stdout.splitlines()
        if line.startswith("New recovery key: ")
    ][0]
    newer = tmp_path / "newer.txt"
    newer.write_text("quartz meadow lantern violin\n")
    second = Device(tmp_path / "second", live_server.url)
    await second.ok(
        "recover", live_server.url, "ana", "--keep-others", "--new-password-file", str(newer),
        env={"TJ_RECOVERY_KEY": new_key, "TJ_PASSWORD": NEW},
    )  # fmt: skip
    await Device(tmp_path / "third", live_server.url).ok(
        "login", live_server.url, "ana", env={"TJ_PASSWORD": "quartz meadow lantern violin"}
    )


async def test_password_file_works_after_the_command_too(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    current = tmp_path / "current.txt"
    current.write_text(PASSWORD + "\n")
    phone = Device(tmp_path / "phone", live_server.url)
    no_env: dict[str, str | None] = {"TJ_PASSWORD": None}
    await phone.ok(
        "login", live_server.url, "ana", "--device-name", "phone", "--password-file", str(current),
        env=no_env,
    )  # fmt: skip

    newer = tmp_path / "new.txt"
    newer.write_text(NEW + "\n")
    changed = await phone.tj(
        "password", "change", "--password-file", str(current), "--new-password-file", str(newer),
        "--keep-others", env=no_env,
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert "Did you mean" not in changed.output
    await Device(tmp_path / "tablet", live_server.url).ok(
        "login", live_server.url, "ana", env={"TJ_PASSWORD": NEW}
    )

    wrong = await phone.tj(
        "password", "change", "--password-file", str(current), "--new-password-file", str(newer),
        "--keep-others", env=no_env,
    )  # fmt: skip
    failed_with_one_line(wrong)  # the file is read: the old password no longer works


async def test_reversed_since_and_until_is_a_usage_error_naming_both_options(
    laptop: Device,  # noqa: F811
) -> None:
    reversed_days = await laptop.tj("list", "--since", "2026-12-10", "--until", "2026-12-01")
    assert reversed_days.exit_code == 2, reversed_days.output
    [line] = reversed_days.stderr.strip().splitlines()
    assert line == (
        "Error: Invalid value for '--since': 2026-12-10 is after --until 2026-12-01 "
        "(--since is the first day listed, --until the last)."
    )
    await laptop.ok("list", "--since", "2026-12-01", "--until", "2026-12-01")  # one day: fine


async def test_account_delete_leaves_no_file_of_the_account_in_the_home(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    ben = Device(tmp_path / "ben", live_server.url)
    await ben.ok("signup", live_server.url, "ben", "--device-name", "benlaptop")
    await ben.ok("logout", "--yes")
    await ben.ok("login", live_server.url, "ben")  # a ticket and a kept name exist now
    assert (ben.home / "login_tickets").exists()
    await ben.ok("write", "Soon erased.")
    erased = await ben.ok("account", "delete", "--yes")
    assert "this device's data is deleted" in erased.stderr
    left = sorted(p.name for p in ben.home.rglob("*") if p.is_file())
    assert left == [], left

    # A logout keeps the ticket (its next login needs it: README), and says nothing false.
    await laptop.ok("logout", "--yes")
    assert (laptop.home / "login_tickets").exists()
