"""fix31e item 4: `tj share JOURNAL MEMBER --role annotate --safety-flags` (no --full) asked
"Share all of JOURNAL with MEMBER?" and then refused anyway, whatever the answer, for a
member removed with `tj unshare` (--full needed), one whose field-level share ran out, and
one who reads only some fields now. The refusal now comes first, with no question, from the
verified chains; where the share goes on (a whole share that ran out) the question is still
asked (tests/test_cli_import_flags_default_unread.py). Real server on loopback, real
crypto; CliRunner."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_nu36_findings import DAY_MS, move_clocks

OPT_IN = ("--role", "annotate", "--safety-flags")
QUESTION = "Share all of Personal with tom?"


def said(text: str) -> str:
    return " ".join(text.split())


async def pair(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("write", "A private line.")
    return ana, tom


async def refused_unasked(ana: Device, words: str) -> None:
    done = await ana.tj("share", "Personal", "tom", *OPT_IN, input="y\n")
    text = said(done.output)
    assert done.exit_code != 0, text
    assert QUESTION not in text and "tom does not read Personal" not in text, text
    assert words in text, text


async def test_a_removed_member_is_refused_before_any_question(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await pair(live_server, tmp_path)
    fingerprint = tom.signup["fingerprint"]
    await ana.ok("share", "Personal", "tom", "--full", "--fingerprint", fingerprint)
    await ana.ok("unshare", "Personal", "tom", "--yes")
    await refused_unasked(ana, "tom is not a member of 'Personal', so nothing was shared")


async def test_a_member_reading_some_fields_is_refused_before_any_question(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await pair(live_server, tmp_path)
    fingerprint = tom.signup["fingerprint"]
    await ana.ok("share", "Personal", "tom", "--only", "mood", "--fingerprint", fingerprint)
    await refused_unasked(ana, "tom reads only the mood of Personal")


async def test_a_field_share_that_ran_out_is_refused_before_any_question(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom = await pair(live_server, tmp_path)
    fingerprint = tom.signup["fingerprint"]
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "tom", "--only", "mood", "--until", until,
        "--fingerprint", fingerprint,
    )  # fmt: skip
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    await ana.ok("sync")  # the share ran out
    await refused_unasked(ana, "tom reads only the mood of Personal")


async def test_a_member_never_shared_with_is_still_asked(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await pair(live_server, tmp_path)
    fingerprint = tom.signup["fingerprint"]
    await ana.ok("verify", "tom", fingerprint, "--yes")
    done = await ana.tj("share", "Personal", "tom", *OPT_IN, input="")
    assert done.exit_code != 0 and QUESTION in said(done.output), done.output
    assert (await ana.tj("share", "Personal", "tom", *OPT_IN, input="y\n")).exit_code == 0
