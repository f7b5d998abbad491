"""`tj sync --watch --json` names what started each sync (cli/syncing.py `trigger_name`): a
sync a watch runs for this process's own writes, or on its once-a-minute schedule, is not
called a notice of the server's."""

from __future__ import annotations

from cli.syncing import trigger_name
from client_sdk import Notice


def test_each_kind_of_watching_sync_has_its_own_trigger_name() -> None:
    assert trigger_name(None) == "connected"
    assert trigger_name(Notice(True, None, 0)) == "connected"
    assert trigger_name(Notice(False, "ab" * 16, 7)) == "notice"
    assert trigger_name(Notice(False, None, 0, meta=True)) == "notice"
    assert trigger_name(Notice(False, None, 0, local=True)) == "local"
    assert trigger_name(Notice(False, None, 0)) == "scheduled"
