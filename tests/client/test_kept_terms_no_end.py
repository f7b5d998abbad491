"""A whole share replacing a field-level one names, in `ShareInfo.kept_terms`, only the
terms it took from it: the role, and an end date only when that share had one (it named
an "end date" kept while `expires_at` was None). Real server on 127.0.0.1."""

from __future__ import annotations

from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_copy_without_an_end_date_keeps_no_end_date(signup: ClientFactory) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood"])
    whole = await share_with(ana, tom, full=True)
    assert whole.expires_at is None
    assert whole.kept_terms == ("role",)
    assert whole.to_dict()["kept_terms"] == ["role"]
