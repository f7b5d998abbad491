"""tj-server runs on uvloop's event loop where uvloop is installed (a dependency on every
platform but Windows: ~10-20 µs less server CPU a small request, issue 10), and on asyncio's
own loop where it is not: `server.__main__.new_event_loop`, the loop `serve` hands to
aiohttp's `run_app`."""

from __future__ import annotations

import asyncio
import builtins
from typing import Any

import pytest
import uvloop

from server.__main__ import new_event_loop


def test_the_server_loop_is_uvloops_where_it_is_installed() -> None:
    loop = new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_the_server_loop_is_asyncios_own_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def without_uvloop(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "uvloop":
            raise ImportError("no uvloop here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_uvloop)
    loop = new_event_loop()
    try:
        assert not isinstance(loop, uvloop.Loop)
        assert isinstance(loop, asyncio.AbstractEventLoop)
    finally:
        loop.close()
