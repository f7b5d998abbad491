"""Words of a few refusals and notes, each through a real `tj` (or the SDK) against a real
server on loopback: the command that saves words kept after a too-long title was refused,
the account `tj brief` and `tj measure share` name, and a rotation refused for a member
whose account is gone."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, NotFound, wire
from tests.conftest import PASSWORD, RunningServer
from tests.server.raw import sealed_meta
from tests.server.servers import signup
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat

LONG = "T" * 201


async def test_words_kept_after_a_too_long_title_get_a_command_that_saves_them(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Piped words refused for a title longer than 200 characters were kept as a draft, and
    the command said to save it repeated the same title, refused again: it leaves the title
    out and says why. With the editor to open, the title is refused before it opens."""
    ana = await new_device(live_server, tmp_path, "ana")
    refused = await ana.tj("write", "--title", LONG, "--mood", "5", input="Piped words\n")
    said = flat(refused.stderr)
    assert refused.exit_code == 2, refused.output
    assert LONG not in said, said
    assert (
        "it leaves out the title, as a title has at most 200 characters (this one has 201): "
        "add a shorter --title to it" in said
    ), said
    found = re.search(r"`(tj [^`]*)` saves it", said)
    assert found is not None, said
    words = shlex.split(found.group(1))
    assert words[0] == "tj" and "--title" not in words, words
    await ana.ok(*words[words.index("write") :])  # the command printed works
    [entry] = await ana.json("list")
    assert (entry["body"], entry["mood"], entry["title"]) == ("Piped words", 5, None), (
        entry
    )  # an absent title is null
    assert list((ana.home / "drafts").glob("*.md")) == []

    opened = await ana.tj(
        "write", "--edit", "--title", LONG, "Some text", env={"EDITOR": "true", "VISUAL": None}
    )
    said = flat(opened.stderr)
    assert opened.exit_code == 2, opened.output
    assert (
        "a title has at most 200 characters (this one has 201): give a shorter --title; the "
        "editor was not opened, nothing was written" in said
    ), said
    assert list((ana.home / "drafts").glob("*.md")) == []
    assert len(await ana.json("list")) == 1


async def test_brief_and_measure_share_name_the_account_used_not_the_text_typed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj brief` and `tj measure share` named the therapist as typed (" DrSmith" and a
    Unicode line separator included) where the server reads the account "drsmith"."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "Kept.")
    shared = await ana.ok(
        "brief", " DrSmith\u2028", "--journal", "Personal", "--yes", "--trust-on-first-use"
    )
    said = shared.stderr + shared.stdout
    assert "DrSmith" not in said and "\u2028" not in said, repr(said)
    assert "Shared the brief with drsmith" in flat(said), said
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    [result] = await ana.json("measure", "list")
    shared = await ana.ok("measure", "share", result["id"], "DRSMITH\u2028", "--yes")
    said = shared.stderr + shared.stdout
    assert "DRSMITH" not in said and "\u2028" not in said, repr(said)
    assert "with drsmith" in flat(said), said


async def test_a_rotation_refused_for_a_gone_member_is_told_as_the_servers_word(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A rotation answered 404 for a member's account said, as fact, "a member of the
    journal no longer has an account": the server is trusted for availability only, so the
    SDK says it is the server's answer."""
    ana = await signup(live_server.url, tmp_path, "ana")
    ben = await signup(live_server.url, tmp_path, "ben")
    ben_id = ben.profile.account_id
    await ben.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    journal = os.urandom(wire.ID_BYTES)
    owner = ana.profile.account_id
    create = wire.JournalCreateRequest(
        journal, wire.KeyEnvelope(0, bytes(40)), bytes(40), [bytes(40)]
    )
    await ana.transport.call("/v1/journals/create", create, wire.Empty)
    keys = [
        wire.MemberKey(owner, bytes(40), "owner", 0),
        wire.MemberKey(ben_id, bytes(40), "read", 0),
    ]
    rotation = wire.RotateRequest(journal, 1, sealed_meta(1), keys, 1, [bytes(64)])
    try:
        await ana.transport.call("/v1/journals/rotate", rotation, wire.Empty)
    except NotFound as error:
        said = str(error)
    else:
        raise AssertionError("the rotation naming a gone account was accepted")
    assert said.startswith("the server says a member of the journal no longer has an account"), said
    await ana.close()
