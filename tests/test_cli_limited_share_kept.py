"""`tj share J member --role/--until` after a field-level share ended never shares the whole
journal by default (R22 F1/F2 follow-up): the CLI says to choose --full or --only; nor on a
new device the server hides the field-level copy from (R23 F1); a first share with a role
or an end date shares the whole journal and says so (NU20 C7) (real server on loopback, and
the hostile proxy; CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Device, failed_with_one_line


@pytest.fixture
async def ana(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "ana", live_server.url)
    device.signup = await device.json("signup", live_server.url, "ana")
    return device


@pytest.fixture
async def tom(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "tom", live_server.url)
    device.signup = await device.json("signup", live_server.url, "tom")
    return device


async def test_sharing_again_after_unsharing_a_mood_only_share_asks_for_full_or_only(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood", *fingerprint)
    await ana.ok("write", "--mood", "4", "Private: nobody knows about the drinking.")
    await ana.ok("unshare", "Personal", "tom")

    refused = await ana.tj("share", "Personal", "tom", "--role", "annotate", *fingerprint)
    line = failed_with_one_line(refused)
    assert "tom read only the mood of 'Personal'" in line
    assert "nothing was changed" in line and f"{ana.command} share Personal tom --full" in line
    again = f"`{ana.command} share Personal tom --only mood`"
    assert f"To share the mood with them again: {again};" in line
    assert "full=True" not in line and "only=[" not in line  # CLI flags only (NU21 C7)
    assert [s for s in await ana.json("shares") if not s["expired"]] == []

    # The copy kept from the ended share holds that entry's mood: sharing it again gives it
    # again, named first (NU24 C8; --yes: a script).
    shared = await ana.ok("share", "Personal", "tom", "--only", "mood", *fingerprint, "--yes")
    assert "they would also read the 1 item it still holds" in " ".join(shared.stderr.split())
    [again] = await ana.json("shares")
    assert (again["fields"], again["source"]) == (["mood"], "Personal")
    await tom.ok("sync")
    assert "drinking" not in (await tom.ok("list")).stdout


async def test_a_new_device_the_server_hides_the_copy_from_never_shares_the_whole_journal(
    ana: Device,
    tom: Device,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    first = await ana.json("share", "Personal", "tom", "--only", "mood", *fingerprint)
    await ana.ok("write", "--mood", "4", "Private: nobody knows about the drinking.")
    await ana.ok("sync")
    mirror = bytes.fromhex(first["journal_id"])

    def hide(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        return wire.encode(wire.JournalList([j for j in listed if j.journal_id != mirror]))

    hostile.replies["/v1/journals/list"] = hide
    phone = Device(tmp_path / "ana-phone", hostile.url)
    password = tmp_path / "password.txt"
    password.write_text(PASSWORD + "\n")
    await phone.ok("--password-file", str(password), "login", hostile.url, "ana",
                   env={"TJ_PASSWORD": None})  # fmt: skip
    for terms in (("--role", "annotate"), ()):  # a new role; and a plain share
        refused = await phone.tj("share", "Personal", "tom", *terms, *fingerprint)
        line = failed_with_one_line(refused)
        assert "can't tell whether tom reads only some fields of 'Personal'" in line
        assert f"{phone.command} share Personal tom --full" in line
        assert f"{phone.command} share Personal tom --only FIELDS" in line
        assert "full=True" not in line and "only=[" not in line  # CLI flags only (NU21 C7)
    del hostile.replies["/v1/journals/list"]
    assert [s["journal"] for s in await ana.json("shares")] == [first["journal"]]
    await tom.ok("sync")
    assert "drinking" not in (await tom.ok("list", "--all")).stdout


async def test_a_first_share_with_a_role_or_an_end_date_shares_the_whole_journal_and_says_so(
    ana: Device, tom: Device
) -> None:
    """NU20 C7: the README's `tj share Personal drsmith --role annotate ...` for someone who
    reads nothing of the journal yet is a whole-journal share, as a plain `tj share` is: the
    chain names no field-level share of it for them (R23 F1's `limited` entries), so there
    is nothing to keep limited; the confirmation says every entry is shared in full. (The
    SDK's `grant` still asks for `full=True` there: tests/client/test_limited_in_source_chain.py.)
    Only for someone the journal was never shared with: after an unshare, --full (R24 F2).
    """
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("write", "--mood", "4", "Private: nobody knows about the drinking.")
    shared = await ana.ok("share", "Personal", "tom", "--role", "annotate", *fingerprint)
    assert "(read and add notes)" in shared.stderr
    assert (
        "they read everything you keep in it, also what was written before: every entry in full"
        in " ".join(shared.stderr.split())
    )
    [share] = await ana.json("shares")
    assert (share["journal"], share["fields"], share["role"]) == ("Personal", None, "annotate")
    await ana.ok("unshare", "Personal", "tom", "--yes")
    # Shared before, so no longer a first share: the chain cannot tell this unshare from an
    # older app's narrowing whose copy the server hides (R24 F2), so the whole journal is
    # shared again only when the owner says so.
    refused = failed_with_one_line(
        await ana.tj("share", "Personal", "tom", "--until", "2099-12-31", *fingerprint)
    )
    assert "nothing was shared" in refused and f"{ana.command} share Personal tom --full" in refused
    assert "full=True" not in refused and "only=[" not in refused  # NU21 C7
    assert [s for s in await ana.json("shares") if not s["expired"]] == []
    dated = await ana.ok(
        "share", "Personal", "tom", "--until", "2099-12-31", "--full", *fingerprint
    )
    assert (
        "they read everything you keep in it, also what was written before: every entry in full"
        in " ".join(dated.stderr.split())
    )
    [share] = [s for s in await ana.json("shares") if not s["expired"]]
    assert (share["journal"], share["fields"], share["role"]) == ("Personal", None, "read")
