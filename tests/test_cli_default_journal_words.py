"""The words of an older account's device whose adopted default journal "Personal" is, or
was, shared (default_journal.py, protocol.md 4.16): one short reason and the commands, no
protocol words; a share that ended is said to have ended; `tj journal default` shows the
state without failing; text piped in is kept with the same way out as text given."""

from __future__ import annotations

import pytest

from client_sdk import keys
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_default_journal import older_accounts_device
from tests.test_cli_r22_departures import ana, tom  # noqa: F401 (fixtures)

PROTOCOL_WORDS = ("access chain", "before this version", "served again", "verified on")


async def test_an_older_account_whose_personal_is_shared_is_told_in_one_sentence(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    live_server: RunningServer,
) -> None:
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await older_accounts_device(ana, live_server)
    ident = (await ana.json("journal", "list"))[0]["id"][:12]
    for args, kw in [(("write", "Words given"), {}), (("write",), {"input": "Piped\n"})]:
        refused = await ana.tj(*args, **kw)
        assert refused.exit_code == 1
        said = " ".join(refused.stderr.split())
        assert f"'Personal' (id {ident}) is shared with tom, so this device" in said, said
        assert said.count("choose your default journal") <= 1, said  # (the draft's way out)
        assert f"`tj journal default {ident}` keeps writing there" in said
        assert "add --journal NAME to it" in said  # the draft's way out, piped text too
        assert not any(w in said for w in PROTOCOL_WORDS), said
    shown = await ana.tj("journal", "default")
    assert shown.exit_code == 0, shown.output
    said = " ".join(shown.stderr.split())
    assert said.startswith("No default journal on this device: 'Personal'")
    assert "written" not in said
    shown_json = await ana.json("journal", "default")
    assert shown_json["default"] is None and shown_json["journal_id"].startswith(ident)
    by_name = await ana.tj("journal", "default", "Personal")
    assert by_name.exit_code == 1
    assert not any(w in by_name.stderr for w in PROTOCOL_WORDS), by_name.stderr


async def test_a_share_that_ended_is_said_to_have_ended(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    live_server: RunningServer,
) -> None:
    """tom's share of "Personal" ended before the update: it still ends the adoption, and
    the refusal says it was shared with tom and ended, never that it is shared with him."""
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("unshare", "Personal", "tom", "--yes")
    await ana.ok("sync")
    monkeypatch.setattr(keys, "default_journal_id", lambda key, account: b"\x00" * 16)
    await older_accounts_device(ana, live_server)
    refused = await ana.tj("write", "private words")
    assert refused.exit_code == 1
    said = " ".join(refused.stderr.split())
    assert "was shared with tom (ended)" in said, said
    assert "is shared with" not in said
