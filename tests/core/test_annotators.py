"""The annotator history in journal metadata counts only under the owner's signature."""

from __future__ import annotations

import json
from typing import Any

from client_sdk import keys
from client_sdk.journal_meta import (
    AnnotatorSpan,
    annotator_spans,
    close_spans,
    open_span,
    sign_meta,
)

JOURNAL_ID = bytes(range(16))
TOM = bytes([3]) * 16


def spans(meta: dict[str, Any], owner_key: bytes | None) -> list[AnnotatorSpan]:
    """The history as a device reads it back from its JSON copy of the metadata."""
    return annotator_spans(json.loads(json.dumps(meta)), JOURNAL_ID, owner_key)


def tom_opened(secrets: keys.AccountSecrets, epoch: int) -> dict[str, Any]:
    return open_span({"name": "Personal"}, TOM, "tom", secrets.sign_public_key, epoch)


def test_a_signed_history_spans_the_epochs_a_member_could_annotate() -> None:
    owner, tom = keys.AccountSecrets.generate(), keys.AccountSecrets.generate()
    meta = close_spans(tom_opened(tom, 0), still_annotating=set(), epoch=1)
    [span] = spans(sign_meta(meta, owner, JOURNAL_ID), owner.sign_public_key)
    assert (span.member_id, span.username, span.first, span.last) == (TOM, "tom", 0, 1)
    assert span.sign_public_key == tom.sign_public_key
    assert span.covers(0) and span.covers(1) and not span.covers(2)


def test_a_member_still_annotating_keeps_an_open_span() -> None:
    owner, tom = keys.AccountSecrets.generate(), keys.AccountSecrets.generate()
    meta = close_spans(tom_opened(tom, 2), still_annotating={TOM.hex()}, epoch=2)
    [span] = spans(sign_meta(meta, owner, JOURNAL_ID), owner.sign_public_key)
    assert (span.first, span.last) == (2, None) and span.covers(7) and not span.covers(1)


def test_a_history_signed_by_someone_else_or_altered_counts_for_nothing() -> None:
    owner, tom = keys.AccountSecrets.generate(), keys.AccountSecrets.generate()
    forged = sign_meta(tom_opened(tom, 0), tom, JOURNAL_ID)
    assert spans(forged, owner.sign_public_key) == []

    genuine = sign_meta(close_spans(tom_opened(tom, 0), set(), 0), owner, JOURNAL_ID)
    stretched = {**genuine, "annotators": [[*genuine["annotators"][0][:4], None]]}
    assert spans(stretched, owner.sign_public_key) == []
    assert spans(genuine, None) == []
    assert len(spans(genuine, owner.sign_public_key)) == 1
