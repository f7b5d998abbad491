"""NU22 C15 through the CLI, as the tester ran it: the same journal name created offline on
two devices makes two journals with one name. The sync that finds it says so, `tj journal
list` tells them apart, and `--journal NAME` refuses as ambiguous, never picking one (real
server on loopback, real crypto)."""

from __future__ import annotations

import pytest

from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    Outage,
    failed_with_one_line,
    laptop,
    outage,
    phone,
)


async def test_one_name_made_offline_on_two_devices_is_never_picked_silently(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    await outage.begin()
    await laptop.ok("journal", "create", "Gratitude")
    await laptop.ok("write", "--journal", "Gratitude", "laptop thanks")
    await phone.ok("journal", "create", "Gratitude")
    await phone.ok("write", "--journal", "Gratitude", "phone thanks")
    await outage.end()
    await laptop.ok("sync")
    told = await phone.ok("sync")
    text = " ".join(told.stderr.split())
    mine = [j for j in await phone.json("journal", "list") if j["name"] == "Gratitude"]
    assert len(mine) == 2
    ids = sorted(j["id"][:12] for j in mine)
    assert (
        f"Notice: 2 journals are named 'Gratitude' (ids {ids[0]}, {ids[1]}): name one by its id"
    ) in text
    assert f"`tj journal rename {ids[1]} NEW-NAME`" in text
    assert "a share of one shares only that one" in text
    assert (await phone.json("sync"))["same_names"]

    listed = (await laptop.ok("journal", "list")).stdout
    rows = [line for line in listed.splitlines() if "Gratitude" in line]
    assert len(rows) == 2 and all("(id " in row for row in rows)

    refused = failed_with_one_line(
        await laptop.tj("write", "--journal", "Gratitude", "more", input="")
    )
    assert "2 journals are named 'Gratitude'" in refused and ids[0] in refused
    # the SDK's error names no command (NU45 #4); the CLI adds its flag and command
    assert (
        f"or the start of it (`--journal {ids[0]}`), and give one another name with "
        f"`{laptop.command} journal rename {ids[1]} NEW-NAME`"
    ) in refused
    failed_with_one_line(await laptop.tj("list", "--journal", "Gratitude"))
    assert await laptop.json("list", "--journal", "Personal") == []  # other names unchanged

    # an id prefix names one; a rename ends the clash, and the notice with it
    await laptop.ok("write", "--journal", ids[0][:8], "more thanks")
    first = [e["body"] for e in await laptop.json("list", "--journal", ids[0])]
    assert "more thanks" in first and len(first) == 2
    await laptop.ok("journal", "rename", ids[1], "Gratitude (phone)")
    await laptop.ok("write", "--journal", "Gratitude", "no longer ambiguous")
    quiet = await laptop.ok("sync")
    assert "journals are named" not in quiet.stderr
    assert (await laptop.json("sync"))["same_names"] == []


async def test_a_change_id_that_is_not_one_names_the_list_command(
    laptop: Device,  # noqa: F811
) -> None:
    """NU45 #4: the SDK's refusal of a malformed change id names no command (its subject
    says what it is about); the CLI adds the one that lists the changes set aside."""
    from cli.main import with_hint
    from cli.output import shown
    from client_sdk import Client, InvalidInput

    async with await Client.open(laptop.home) as client:
        with pytest.raises(InvalidInput) as refused:
            await client.drop_set_aside("zz")
    assert "tj " not in str(refused.value)
    assert shown(with_hint(refused.value)) == (  # as printed
        "'zz' is not a change id (4 hex digits or more of a change set aside, or of its "
        "document): see `tj set-aside list`"
    )
