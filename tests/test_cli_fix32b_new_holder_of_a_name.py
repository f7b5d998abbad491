"""rev31e F2: `tj share Personal drsmith --role annotate --safety-flags --fingerprint NEW`, for
the new holder of a username (the account that read Personal erased, the name taken by
someone new), asked as if the earlier reader were coming back: "their share of it ended ...
this shares it with them again". The question is judged for the account the fingerprint
matches, never by the name: the new account has not read the journal, and it says so
(real server on 127.0.0.1, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

PRIVATE = "Written while the earlier drsmith read Personal."
QUESTION = "Share all of Personal with drsmith? [y/N]"


async def name_taken_again(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    """ana shares Personal whole with drsmith, who erases his account; ana syncs (the share
    ends); someone new signs up as drsmith. Returns (ana, the new drsmith)."""
    ana = await new_device(live_server, tmp_path, "ana")
    first = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", PRIVATE)
    fp = first.signup["fingerprint"]
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--fingerprint", fp
    )
    await first.ok("sync")
    await first.ok("account", "delete", "--yes")
    await ana.ok("sync")
    new = Device(tmp_path / "drsmith-new", live_server.url)
    new.signup = await new.json("signup", live_server.url, "drsmith")
    return ana, new


async def test_the_new_holder_of_a_name_is_asked_about_as_never_having_read_the_journal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, new = await name_taken_again(live_server, tmp_path)
    flags = ("--role", "annotate", "--safety-flags", "--fingerprint", new.signup["fingerprint"])
    refused = await ana.tj("share", "Personal", "drsmith", *flags, input="y\nn\n")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0, said
    assert "the server now gives the name drsmith to another account" in said, said
    assert "their share of it ended" not in said, said
    assert "shares it with them again" not in said, said
    assert (
        "drsmith does not read Personal and has not read it (the earlier account named "
        "drsmith, whose share of it ended, is another account): safety flags reach only "
        "someone who reads the whole journal, so this shares it with them first"
    ) in said, said
    assert said.count(QUESTION) == 1, said
    [earlier] = [s for s in await ana.json("shares") if s["member"] == "drsmith"]
    assert earlier["expired"] and earlier["account_erased"], earlier  # nothing shared anew
    await new.ok("sync")
    assert PRIVATE not in (await new.tj("list", "--journal", "ana/Personal", "--json")).stdout

    agreed = await ana.tj("share", "Personal", "drsmith", *flags, input="y\ny\n")
    said = " ".join(agreed.stderr.split())
    assert agreed.exit_code == 0, said
    assert said.count(QUESTION) == 1 and "has not read it" in said, said
    [theirs] = [s for s in await ana.json("shares") if s["member_id"] != earlier["member_id"]]
    assert (theirs["member"], theirs["expired"], theirs["safety_flags"]) == (
        "drsmith",
        False,
        True,
    ), theirs
    await new.ok("sync")
    assert PRIVATE in (await new.tj("list", "--journal", "ana/Personal", "--json")).stdout
