"""nu85 findings (a therapist with thirty clients): F5, a share that ended before one of the
therapist's devices synced it is told on that device too, never as another client; F3, the
caseload prints no command that cannot work for an erased client; F1, a title or name where
an id is wanted names the command listing the ids; F2, the signup limit's refusal names the
server's limit and who sets it (real server on loopback, CliRunner)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from rich.console import Console

from cli.practice import caseload_columns
from cli.tables import fitted, table_text
from server.service import Settings
from tests.conftest import TEST_SETTINGS, RunningServer
from tests.test_cli import Device, failed_with_one_line
from tests.test_cli_insights import new_device
from tests.test_cli_unshare_undelivered import ITEM_9, said

SIGNUPS = 4  # an hour from one address: more than any other test here signs up


@pytest.fixture
def server_settings() -> Settings:
    return dataclasses.replace(TEST_SETTINGS, signups_per_address_per_hour=SIGNUPS)


async def ended_before_the_office_synced(
    server: RunningServer, tmp_path: Path
) -> tuple[Device, Device, Device]:
    """c21 shares, answers item 9 above 0 and unshares while only drsmith's laptop syncs;
    the laptop writes a private note about her; the office then syncs."""
    laptop = await new_device(server, tmp_path, "drsmith")
    office = Device(tmp_path / "office", server.url)
    await office.ok("login", server.url, "drsmith", "--device-name", "office")
    c21 = await new_device(server, tmp_path, "c21")
    await c21.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--fingerprint", laptop.signup["fingerprint"],
    )  # fmt: skip
    await laptop.ok("sync")
    await c21.ok("measure", "take", "phq9", "--answers", ITEM_9)
    await laptop.ok("sync")
    await laptop.ok("private-notes", "add", "c21", "Ended the share after item 9; call her.")
    await c21.ok("unshare", "Personal", "drsmith", "--yes")
    await laptop.ok("sync")
    await office.ok("sync")
    return laptop, office, c21


async def test_the_office_tells_a_share_that_ended_before_it_synced(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop, office, _ = await ended_before_the_office_synced(live_server, tmp_path)
    other = await new_device(live_server, tmp_path, "c29")  # a name one letter away
    await other.ok(
        "share", "Personal", "drsmith", "--full", "--fingerprint", laptop.signup["fingerprint"]
    )
    await office.ok("sync")
    refused = failed_with_one_line(await office.tj("list", "--journal", "c21"))
    words = said(refused)
    assert "c29" not in words and "did you mean" not in words, words
    assert "no copy of 'c21/Personal' on this device" in words, words
    assert "this device never downloaded it, so a sync cannot bring it" in words, words
    assert "written on another of your devices" in words, words
    told = "'c21/Personal': no copy on this device"
    for command in ("caseload", "shared-with-me"):
        shown = said((await office.ok(command)).stdout)
        assert told in shown and "this device never downloaded it" in shown, (command, shown)
        assert "`tj private-notes --client c21`" in shown, (command, shown)
    noted = said((await office.ok("private-notes", "--client", "c21")).stdout)
    assert "Ended the share after item 9; call her." in noted, noted  # works as printed
    # the laptop holds the copy: it tells it as it did, never as one it lacks
    assert told not in said((await laptop.ok("caseload")).stdout)
    assert (await laptop.json("list", "--journal", "c21")) is not None


async def test_the_caseload_prints_no_fingerprint_command_for_an_erased_client(
    live_server: RunningServer, tmp_path: Path
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    c22 = await new_device(live_server, tmp_path, "c22")
    await c22.ok("write", "--mood", "4", "A long week.")
    await c22.ok("share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use")
    await drsmith.ok("sync")
    await c22.ok("account", "delete", "--yes")
    await drsmith.ok("sync")
    for command in ("caseload", "shared-with-me", "list"):
        warned = said((await drsmith.ok(command)).stderr)
        assert "tj fingerprint c22" not in warned and "tj verify c22" not in warned, warned
        assert "c22's account appears erased (the server no longer knows it), so the " in warned
        assert "fingerprint can no longer be compared, by you or by them: keep them, or " in warned
        assert "tj forget 'c22 (account " in warned or "the forget command above" in warned
    refused = failed_with_one_line(await drsmith.tj("fingerprint", "c22"))
    assert "no account is named 'c22' any more" in refused  # why none is printed


async def test_a_title_or_a_name_where_an_id_is_wanted_names_the_command_listing_ids(
    live_server: RunningServer, tmp_path: Path
) -> None:
    c02 = await new_device(live_server, tmp_path, "c02")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await c02.ok("goal", "add", "Walk", "--measure", "4 sessions")
    refused = failed_with_one_line(await c02.tj("goal", "checkin", "Walk", "--note", "River"), 2)
    assert "'Walk' is not a goal id (4 to 32 hex digits): `tj goal list` shows the ids" in refused
    refused = failed_with_one_line(await drsmith.tj("safety", "ack", "c02"), 2)
    assert "'c02' is not a safety flag id" in refused, refused
    assert refused.endswith(": `tj safety flags` shows the ids"), refused


async def test_the_signup_limit_refusal_names_the_limit_and_who_sets_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    for n in range(SIGNUPS):
        await new_device(live_server, tmp_path, f"c{n:02}")
    late = Device(tmp_path / "late", live_server.url)
    refused = said(failed_with_one_line(await late.tj("signup", live_server.url, "late")))
    assert f"the server takes at most {SIGNUPS} new accounts from one address an hour" in refused
    assert "a limit its operator sets, TJ_SERVER_SIGNUPS_PER_ADDRESS_PER_HOUR," in refused, refused
    assert "try again after" in refused, refused


def test_the_caseload_keeps_its_flags_column_with_long_flags_at_80_columns() -> None:
    def laid(rows: list[tuple[str, ...]]) -> str:
        return table_text(fitted(caseload_columns(), rows, width=80), Console(width=80))

    long_flags = (
        "GAD-7 reliable deterioration; GAD-7 Severe; mood 1/10; share ends 2026-12-08 (end of day)"
    )
    shown = laid(
        [
            ("c09", "PHQ-9 item 9 above 0", "2026-12-07", "7", "4.4·······▅", "PHQ-9 14", "0"),
            ("c20", long_flags, "2026-12-07", "1", "2.1·······▂", "GAD-7 18 (+9)", "0"),
        ]
    )
    lines = shown.splitlines()
    assert lines[0].split()[:2] == ["client", "flags"], shown
    assert "flags:" not in shown and max(len(line) for line in lines) <= 80, shown
    assert "scores:" in shown, shown  # the scores went below first, as README says
    flagged = " ".join(" ".join(line.split()) for line in lines if line.startswith(("c20", "  ")))
    for flag in ("GAD-7 reliable deterioration;", "GAD-7 Severe;", "mood 1/10;", "(end of day)"):
        assert flag in flagged, shown
    # a flag too long for the column goes on at a space, two cells deeper than the flag,
    # its "(end of day)" whole
    [at] = [n for n, line in enumerate(lines) if "share ends 2026-12-08" in line]
    start = lines[at].index("share ends")
    assert lines[at + 1].index("(end of day)") == start + 2, shown
