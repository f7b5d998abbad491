"""How a sync summary names where this account's own news came from: "on your phone" for a
device's name, never "on your a device signed out since" (NU54 F12)."""

from __future__ import annotations

from client_sdk.sync import News, source_parts


def test_a_described_device_is_not_called_yours_twice() -> None:
    news = [
        News(2, "entry", True, "a device signed out since", own=True),
        News(1, "entry", True, "another device (3f2a9c8d1e0b)", own=True),
        News(1, "goal", True, "phone", own=True),
        News(1, "entry", True, "hugo"),
    ]
    assert source_parts(news) == [
        "on a device signed out since: 2 new entries",
        "on another device (3f2a9c8d1e0b): 1 new entry",
        "on your phone: 1 new goal",
        "from hugo: 1 new entry",
    ]
