"""The annotator history in journal metadata counts only under the owner's signature."""

from __future__ import annotations

import json

from client_sdk import keys
from client_sdk.replica import annotator_spans, close_spans, open_span, sign_meta
from client_sdk.store import LocalJournal, Peer

JOURNAL_ID = bytes(range(16))


def journal_with(meta: dict[str, object]) -> LocalJournal:
    return LocalJournal(JOURNAL_ID, bytes(16), "owner", 2, "Personal", 1, 0, meta=json.dumps(meta))


def member(name: str) -> tuple[Peer, keys.AccountSecrets]:
    secrets = keys.AccountSecrets.generate()
    peer = Peer(
        bytes([len(name)]) * 16, name, secrets.sign_public_key, secrets.box_public_key, True
    )
    return peer, secrets


def test_a_signed_history_spans_the_epochs_a_member_could_annotate() -> None:
    owner = keys.AccountSecrets.generate()
    tom, _ = member("tom")
    meta = open_span({"name": "Personal"}, tom, 0)
    meta = close_spans(meta, still_annotating=set(), epoch=1)
    [span] = annotator_spans(
        journal_with(sign_meta(meta, owner, JOURNAL_ID)), owner.sign_public_key
    )
    assert (span.member_id, span.username, span.first, span.last) == (tom.account_id, "tom", 0, 1)
    assert span.covers(0) and span.covers(1) and not span.covers(2)


def test_a_history_signed_by_someone_else_or_altered_counts_for_nothing() -> None:
    owner = keys.AccountSecrets.generate()
    tom, tom_secrets = member("tom")
    forged = sign_meta(open_span({"name": "Personal"}, tom, 0), tom_secrets, JOURNAL_ID)
    assert annotator_spans(journal_with(forged), owner.sign_public_key) == []

    genuine = sign_meta(
        close_spans(open_span({"name": "Personal"}, tom, 0), set(), 0), owner, JOURNAL_ID
    )
    stretched = {**genuine, "annotators": [[*genuine["annotators"][0][:4], None]]}
    assert annotator_spans(journal_with(stretched), owner.sign_public_key) == []
    assert annotator_spans(journal_with(genuine), None) == []
