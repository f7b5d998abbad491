"""The export's word for the read-only copy of a journal no longer served to the account
(NU43 #17: it said role "revoked"), and an import of files old and new (real server on
loopback, real crypto)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from client_sdk.archive import Archive
from tests.conftest import ClientFactory


async def test_an_ended_copy_is_exported_as_ended_and_files_old_and_new_import_alike(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.write("Personal", "Ana's own.")
    ben = await signup("ben")
    await ben.entries.write("Personal", "Ben's entry, shared with ana.")
    await ben.shares.grant("Personal", "ana", trust_on_first_use=True, full=True)
    await ben.sync()
    await ana.sync()
    await ben.shares.revoke("Personal", "ana")
    await ana.sync()

    exported: dict[str, Any] = json.loads(json.dumps(await ana.archive.export_json()))
    # named as every view names it (NU59 #6); by ben's account only where another account
    # bears his username (REV-S9B S9B-2, tests/test_rev_s9b.py)
    copy = "ben/Personal"
    rows = {j["name"]: j for j in exported["journals"]}
    assert {k: rows[copy][k] for k in ("role", "share_ended", "unlisted", "access")} == {
        "role": "ended",
        # the server's word only: ana is not sent the chain that ends it; "unlisted" alone,
        # as `Entry.to_dict` (`tj list --json`) says it of each entry (NU64 F8)
        "share_ended": False,
        "unlisted": True,
        "access": "no longer served (read-only copy)",
    }
    assert (rows["Personal"]["role"], rows["Personal"]["access"]) == ("owner", "owner")
    read = {j.name: j for j in Archive.from_dict(exported).journals}
    assert (read[copy].read_only_copy, read[copy].unlisted, read[copy].share_ended) == (
        True,
        True,
        False,
    )  # a read-only copy the server alone stopped serving

    # A file from before (role "revoked", without the three new keys) reads as it did.
    older = {
        **exported,
        "journals": [
            {
                **{k: v for k, v in j.items() if k not in ("share_ended", "unlisted", "access")},
                "role": "revoked" if j["role"] == "ended" else j["role"],
            }
            for j in exported["journals"]
        ],
    }
    for name, data in (("bob", exported), ("cleo", older)):
        into = await signup(name)
        report = await into.archive.import_json(data)
        assert report.skipped_journals == [copy], name
        assert [e.body for e in await into.entries.list()] == ["Ana's own."], name


async def test_an_own_journal_gone_from_the_server_is_never_a_share_ended_in_markdown(
    signup: ClientFactory, login: ClientFactory, tmp_path: Path
) -> None:
    """ana's laptop deletes Dreams; her phone keeps a read-only copy of it (gone from the
    server). The Markdown export's front matter of its entry says neither "share_ended" nor
    "unlisted", as the JSON export says of the journal and `Entry.to_dict` of the entry (it
    said "share_ended: true", a share of her own journal that never was), and its folder is
    "dreams (gone from the server)", not "(share ended)"; a share ended by its owner still
    says both (one this account left)."""
    laptop = await signup("ana")
    await laptop.journals.create("Dreams")
    await laptop.entries.write("Dreams", "Flying again.")
    await laptop.sync(strict=True)
    phone = await login("ana")
    await phone.sync(strict=True)
    await laptop.journals.delete("Dreams")
    await phone.sync()
    [gone] = [j for j in await phone.journals.list() if j.name == "Dreams"]
    assert gone.read_only_copy and not gone.share_ended and not gone.unlisted
    [entry] = await phone.entries.list("Dreams")
    assert (entry.share_ended, entry.unlisted) == (False, False)
    exported = json.loads(json.dumps(await phone.archive.export_json()))
    [journal] = [j for j in exported["journals"] if j["name"] == "Dreams"]
    assert (journal["share_ended"], journal["unlisted"]) == (False, False)
    written = await phone.archive.export_markdown(tmp_path / "md")
    [page] = [p for p in written if p.suffix == ".md"]
    assert page.parent.name == "dreams (gone from the server)", page
    text = page.read_text(encoding="utf-8")
    assert "Flying again." in text
    assert "share_ended:" not in text and "unlisted:" not in text, text

    ben = await signup("ben")
    await ben.entries.write("Personal", "Ben's entry, shared with ana.")
    await ben.shares.grant("Personal", "ana", trust_on_first_use=True, full=True)
    await ben.sync()
    await phone.sync()
    await phone.shares.leave("ben/Personal")  # her own word: a share that ended
    written = await phone.archive.export_markdown(tmp_path / "md2")
    [text] = [p.read_text(encoding="utf-8") for p in written if p.parent.parent.name == "ben"]
    assert "\nshare_ended: true\n" in text and "unlisted:" not in text, text
    [folder] = {p.parent.name for p in written if p.parent.parent.name == "ben"}
    assert folder == "personal (share ended)"
