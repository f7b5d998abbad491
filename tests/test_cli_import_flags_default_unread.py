"""rev30c F2: after an import, the advice to get safety flags to the file's therapist must
not share a private default journal he never read without a word, and `tj share
--safety-flags` asks before it shares a journal with entries with someone who never read it
(real server, real crypto)."""

from __future__ import annotations

import dataclasses
import re
import shlex
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_nu36_findings import DAY_MS, move_clocks
from tests.test_cli_unanswered_subjects import unanswered

OPT_IN = ("--role", "annotate", "--safety-flags", "--trust-on-first-use")


def said(text: str) -> str:
    return " ".join(text.split())


async def test_import_advice_says_the_default_journal_is_shared_and_its_command_asks(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = drsmith.signup["fingerprint"]
    await ana.ok("journal", "create", "Therapy")
    await ana.ok("write", "--journal", "Therapy", "For sessions.")
    await ana.ok(
        "share", "Therapy", "drsmith", "--role", "annotate", "--safety-flags",
        "--fingerprint", fingerprint, "--yes",
    )  # fmt: skip
    path = (await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()

    new = await new_device(live_server, tmp_path, "ana2")
    await new.ok("write", "My most private diary line, never shared.")
    printed = (await new.ok("import", path)).stdout
    line = said(printed.split("\nSafety flags: ", 1)[1].split("\nContinuity", 1)[0])
    shares = [c for c in re.findall(r"`([^`]*)`", line) if c.startswith("tj share ")]
    # the narrowest way first: the file's journal, which drsmith read in the file
    assert shares[0].startswith("tj share Therapy drsmith "), line
    personal = next(c for c in shares if c.startswith("tj share Personal drsmith "))
    before = line.split(f"`{personal}`", 1)[0]
    assert "drsmith does not read 'Personal'" in before, line
    assert "drsmith would read every entry in 'Personal', also what was written before" in (
        before
    ), line

    # run as printed, nothing typed: nothing is shared
    args = shlex.split(personal.replace("FINGERPRINT", shlex.quote(fingerprint)))[1:]
    refused = await new.tj(*args, input="")
    assert refused.exit_code != 0, refused.stderr
    assert "drsmith does not read Personal" in said(refused.stderr), refused.stderr
    assert "every entry in it, also what was written before" in said(refused.stderr), refused.stderr
    await drsmith.ok("sync")
    names = [j["name"] for j in await drsmith.json("journal", "list")]
    assert "ana2/Personal" not in names and "Personal" in names, names

    # answered no: nothing shared either
    declined = await new.tj(*args, input="n\n")
    assert declined.exit_code != 0, declined.stderr
    await drsmith.ok("sync")
    assert "ana2/Personal" not in [j["name"] for j in await drsmith.json("journal", "list")]

    # answered yes: shared, as asked
    agreed = await new.tj(*args, input="y\n")
    assert agreed.exit_code == 0, agreed.stderr
    await drsmith.ok("sync")
    assert "ana2/Personal" in [j["name"] for j in await drsmith.json("journal", "list")]


async def test_share_safety_flags_asks_only_for_a_journal_never_read(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("write", "Only for me.")
    opt_in = ("--role", "annotate", "--safety-flags", "--trust-on-first-use")
    # --full says it: the whole journal, no question
    await ana.ok("share", "Personal", "tom", *opt_in, "--full", input="")
    # someone who reads it already: opting in shares nothing more, no question
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use")
    await ana.ok("share", "Personal", "drsmith", *opt_in, input="")
    await drsmith.ok("sync")
    assert "ana/Personal" in [j["name"] for j in await drsmith.json("journal", "list")]
    # a journal with a goal and no entry is asked about too: goals, results are read as
    # well (rev30d F2)
    await ana.ok("journal", "create", "Empty")
    await ana.ok("goal", "add", "Stop self-harm", "--journal", "Empty")
    refused = await ana.tj("share", "Empty", "drsmith", *opt_in, input="")
    assert refused.exit_code != 0 and "--full" in refused.stderr, refused.stderr
    await drsmith.ok("sync")
    assert "ana/Empty" not in [j["name"] for j in await drsmith.json("journal", "list")]
    # a journal with entries never shared with them: asked, default no
    await ana.ok("journal", "create", "Work")
    await ana.ok("write", "--journal", "Work", "Work worries.")
    refused = await ana.tj("share", "Work", "tom", *opt_in, input="")
    assert refused.exit_code != 0 and "--full" in refused.stderr, refused.stderr
    await tom.ok("sync")
    assert "ana/Work" not in [j["name"] for j in await tom.json("journal", "list")]
    await ana.ok("share", "Work", "tom", *opt_in, "--yes", input="")
    await tom.ok("sync")
    assert "ana/Work" in [j["name"] for j in await tom.json("journal", "list")]


def test_advice_names_who_would_get_the_whole_default_journal() -> None:
    """Of the file's members, the one who reads the default journal already gets its opt-in
    plainly; those who do not are named as the ones it would be shared with."""
    from cli.export import flags_not_carried_text
    from cli.output import shown
    from client_sdk.portability import ImportReport

    report = ImportReport(flags_default="Personal", flags_default_readers=["kim"])
    line = said(shown(flags_not_carried_text("Therapy", ["drsmith", "kim"], [], report)))
    assert "drsmith does not read 'Personal'" in line, line
    assert (
        "Opting them in on 'Personal' instead also shares it with drsmith: drsmith would read "
        "every entry in 'Personal', also what was written before (`tj share Personal drsmith "
        "--role annotate --safety-flags`, which asks first); for kim, who reads it already: "
        "`tj share Personal kim --role annotate --safety-flags`."
    ) in line, line
    assert line.index("`tj share Therapy drsmith") < line.index("`tj share Personal"), line


async def test_a_server_failing_the_share_list_never_skips_the_question(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """rev30d F3: `tj share --safety-flags` judged "never read" from `/v1/shares/list`, and
    a server failing that request four times made it share the journal unasked. It is
    judged from the access chains verified on this device: the question is asked whatever
    the server answers there, and with no answer nothing is shared."""
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("journal", "create", "Work")
    await ana.ok("write", "--journal", "Work", "Work worries, private.")
    await ana.ok("sync")

    def refuse(body: bytes, reply: bytes) -> bytes:
        raise RuntimeError("hostile: the share list fails")

    hostile.replies["/v1/shares/list"] = refuse
    refused = await ana.tj("share", "Work", "tom", *OPT_IN, input="")
    del hostile.replies["/v1/shares/list"]
    assert "tom does not read Work" in said(refused.stderr), refused.stderr
    assert refused.exit_code != 0 and "--full" in refused.stderr, refused.stderr
    await tom.ok("sync")
    assert "ana/Work" not in [j["name"] for j in await tom.json("journal", "list")]


async def journals_of(device: Device) -> list[str]:
    """The journals `device` reads after a sync, by name."""
    await device.ok("sync")
    return [j["name"] for j in await device.json("journal", "list")]


async def test_entries_written_on_another_device_not_synced_here_are_asked_about(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """rev30d F1: "Work" is empty on ana's laptop, which has not synced since her phone
    wrote in it: `tj share Work tom --safety-flags` shared it unasked ("nothing to read"
    here), and tom read the phone's entry. It asks whenever tom does not read Work, whatever
    this device holds of it; with no answer nothing is shared (also under --json)."""
    laptop = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    await laptop.ok("journal", "create", "Work")
    await laptop.ok("sync")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("write", "--journal", "Work", "Written on the phone: very private.")
    await phone.ok("sync")

    refused = await laptop.tj("share", "Work", "tom", *OPT_IN, input="")
    assert refused.exit_code != 0 and "--full" in refused.stderr, refused.stderr
    assert "tom does not read Work" in said(refused.stderr), refused.stderr
    assert "on your other devices too, if not synced here yet" in said(refused.stderr)
    unanswered(
        await laptop.tj("share", "Work", "tom", *OPT_IN, "--json", input=""),
        "confirm share",
        "--full",
    )
    assert "ana/Work" not in await journals_of(tom)

    agreed = await laptop.tj("share", "Work", "tom", *OPT_IN, input="y\n")
    assert agreed.exit_code == 0, agreed.stderr
    assert "ana/Work" in await journals_of(tom)
    texts = [e["body"] for e in await tom.json("list", "--journal", "ana/Work")]
    assert texts == ["Written on the phone: very private."], texts  # what it asked about


def withhold_records(proxy: HostileServer, journal_id: bytes) -> None:
    """From now on the server serves no record of `journal_id` in /v1/sync: each page of it
    comes empty, at the cursor the device asked from (a server that withholds them)."""

    def cut(request: bytes, reply: bytes) -> bytes:
        asked = {c.journal_id: c.after for c in wire.decode(wire.SyncRequest, request).cursors}
        synced = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(
                page, records=[], cursor=asked.get(journal_id, 0), head=asked.get(journal_id, 0)
            )
            if page.journal_id == journal_id
            else page
            for page in synced.pages
        ]
        return wire.encode(dataclasses.replace(synced, pages=pages))

    proxy.replies["/v1/sync"] = cut


async def test_a_server_withholding_the_journal_never_skips_the_question(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """rev30d F1, on purpose: the server (trusted for availability only) withholds Work's
    records from ana's laptop, which then holds no entry of it, and serves them all to tom
    once he is a member. `tj share Work tom --safety-flags` on the laptop asks all the
    same: whether tom reads Work is judged from the verified chain, never from what the
    server chose to deliver."""
    laptop = Device(tmp_path / "ana", hostile.url)
    laptop.signup = await laptop.json("signup", hostile.url, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    await laptop.ok("journal", "create", "Work")
    await laptop.ok("sync")
    [work] = [
        bytes.fromhex(j["id"]) for j in await laptop.json("journal", "list") if j["name"] == "Work"
    ]
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("write", "--journal", "Work", "Written on the phone: very private.")
    await phone.ok("sync")
    withhold_records(hostile, work)
    await laptop.ok("sync")
    assert await laptop.json("list", "--journal", "Work") == []  # withheld from the laptop

    refused = await laptop.tj("share", "Work", "tom", *OPT_IN, input="")
    assert refused.exit_code != 0 and "--full" in refused.stderr, refused.stderr
    assert "tom does not read Work" in said(refused.stderr), refused.stderr
    assert "ana/Work" not in await journals_of(tom)
    assert (await laptop.tj("share", "Work", "tom", *OPT_IN, input="y\n")).exit_code == 0
    assert "ana/Work" in await journals_of(tom)  # asked, agreed: then shared


async def test_a_member_whose_share_ended_is_asked_about_what_came_after(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rev30d's note: an ended share counted as "read it before", so opting tom in again
    (a renewal) shared unasked what ana wrote after it ended, while the import's advice
    (`flags_default_readers`: who reads it now) says such a member would read every entry.
    Both take the safer side: tom does not read Personal now, so he did not read what came
    after, and `tj share --safety-flags` asks."""
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "tom", "--full", *OPT_IN, "--until", until, input="",
    )  # fmt: skip
    await ana.ok("write", "Before the end.")
    assert "ana/Personal" in await journals_of(tom)
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    await ana.ok("sync")  # the share ends, and the journal's key changes
    await ana.ok("write", "Written after tom's share ended.")
    later = f"{datetime.now() + timedelta(days=10):%Y-%m-%d}"
    renew = ("share", "Personal", "tom", *OPT_IN, "--until", later)

    refused = await ana.tj(*renew, input="")
    assert refused.exit_code != 0 and "--full" in refused.stderr, refused.stderr
    assert "tom does not read Personal now (their share of it ended)" in said(refused.stderr)
    assert "also what was written while they did not read it" in said(refused.stderr)
    await tom.ok("sync")
    texts = [e["body"] for e in await tom.json("list", "--journal", "ana/Personal")]
    assert "Written after tom's share ended." not in texts, texts

    assert (await ana.tj(*renew, input="y\n")).exit_code == 0
    await tom.ok("sync")
    texts = [e["body"] for e in await tom.json("list", "--journal", "ana/Personal")]
    assert "Written after tom's share ended." in texts, texts  # asked, agreed: then shared
