"""The export's word for the read-only copy of a journal no longer served to the account
(NU43 #17: it said role "revoked"), and an import of files old and new (real server on
loopback, real crypto)."""

from __future__ import annotations

import json
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
