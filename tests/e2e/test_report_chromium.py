"""The HTML report in a real browser: headless Chromium (Debian's `chromium` package) renders
the page at phone width, and the charts it draws carry the data.

The journal is filled through the SDK's own import (entries spread over the last weeks, with a
gap), the report comes from `client.insights.report_html`, and Chromium checks it twice: its DOM has one
mood point and one bar per week with data, and its screenshot, decoded here, is not blank and
shows as many green bars at the base of the entries chart as there are weeks with entries.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import struct
import subprocess
import zlib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from client_sdk import Client
from tests.conftest import ClientFactory

PHONE = (412, 1400)  # CSS pixels of a common phone screen
BAR_GREEN = (0x27, 0xAE, 0x60)
MOOD_BLUE = (0x2F, 0x80, 0xED)
# weeks before this one -> moods of the entries written that week (None: no mood)
WEEKS: dict[int, list[int | None]] = {6: [3, 5], 5: [4], 3: [6, None], 2: [None], 0: [8]}


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "chromium is not installed: apt-get install -y chromium (see .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(message)  # .ci/run installs it: missing in CI is a broken set-up
        pytest.skip(message)
    return found


async def run_chromium(page: Path, profile: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--window-size={PHONE[0]},{PHONE[1]}",
        *mode,
        page.as_uri(),
    ]
    return await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=60, check=True
    )


def export_with_weeks(today: date) -> dict[str, Any]:
    """An export file holding entries in the weeks of WEEKS, and one goal."""
    monday = today - timedelta(days=today.weekday())
    entries = []
    for weeks_ago, moods in WEEKS.items():
        for n, mood in enumerate(moods):
            at = datetime.combine(monday - timedelta(weeks=weeks_ago), time(0, 30 + n)).astimezone()
            stamp = at.isoformat(timespec="milliseconds")
            entries.append(
                {
                    "id": f"{weeks_ago:02d}{n:030d}",
                    "journal_id": "j" * 32,
                    "journal": "Personal",
                    "title": f"Week -{weeks_ago}",
                    "body": "Written for the report test.",
                    "mood": mood,
                    "tags": ["sleep"] if mood and mood > 4 else ["work"],
                    "emotions": ["calm"],
                    "prompt_id": None,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
    created = entries[0]["created_at"]
    goal = {
        "id": "g" * 32,
        "journal_id": "j" * 32,
        "journal": "Personal",
        "title": "Attend sessions",
        "why": "",
        "target": None,
        "measure": "4 sessions",
        "done": False,
        "done_at": None,
        "created_at": created,
        "updated_at": created,
        "checkins": [{"id": "c1", "at": created, "progress": 1, "note": ""}],
    }
    return {
        "format": "therapy-journal-export",
        "version": 1,
        "account": "someone",
        "exported_at": created,
        "journals": [{"id": "j" * 32, "name": "Personal", "role": "owner", "owner": "someone"}],
        "entries": entries,
        "goals": [goal],
        "notes": [],
    }


async def report_page(client: Client, tmp_path: Path) -> Path:
    # into the default journal, named: an import makes a journal of its own otherwise
    await client.archive.import_json(export_with_weeks(date.today()), into="Personal")
    page = tmp_path / "report.html"
    page.write_text(await client.insights.report_html("Personal"), encoding="utf-8")
    return page


async def test_chromium_renders_one_mark_per_week_with_data(
    signup: ClientFactory, tmp_path: Path
) -> None:
    chromium()
    ana = await signup("ana")
    page = await report_page(ana, tmp_path)
    result = await run_chromium(page, tmp_path / "chromium-profile", "--dump-dom")
    dom = result.stdout
    assert "<svg" in dom and "</html>" in dom
    points = re.findall(r'<circle class="mood-point" data-week="([0-9W-]+)"', dom)
    bars = re.findall(r'<rect class="entries-bar" data-week="([0-9W-]+)" data-entries="(\d+)"', dom)
    moods_by_week = [moods for _, moods in sorted(WEEKS.items(), reverse=True)]
    assert len(points) == sum(any(m is not None for m in moods) for moods in moods_by_week) == 4
    assert [int(n) for _, n in bars] == [len(moods) for moods in moods_by_week]
    assert len(re.findall(r'<rect class="goal-bar"', dom)) == 1
    weeks = (await ana.insights.summary("Personal")).weeks
    assert [w.week for w in weeks if w.entries] == [week for week, _ in bars]
    assert len(weeks) == max(WEEKS) + 1  # empty weeks keep their place on the axis


async def test_the_screenshot_is_not_blank_and_shows_a_bar_per_week_with_entries(
    signup: ClientFactory, tmp_path: Path
) -> None:
    chromium()
    ana = await signup("ana")
    page = await report_page(ana, tmp_path)
    shot = tmp_path / "report.png"
    await run_chromium(page, tmp_path / "chromium-profile", f"--screenshot={shot}")
    width, height, pixels = decode_png(shot.read_bytes())
    assert (width, height) == PHONE
    assert len(set(pixels)) > 50, "the screenshot is blank"
    assert any(near(p, MOOD_BLUE) for p in pixels), "no mood line or point was drawn"
    green_rows = [
        y for y in range(height) if any(near(p, BAR_GREEN) for p in row(pixels, width, y))
    ]
    assert green_rows, "no entries bar was drawn"
    base = row(pixels, width, green_rows[-1] - 1)  # just above the bars' common baseline
    assert runs(base, BAR_GREEN) == len(WEEKS)


# --- a small PNG reader (8-bit RGB or RGBA, not interlaced: what Chromium writes) ------------

Pixel = tuple[int, int, int]


def decode_png(data: bytes) -> tuple[int, int, list[Pixel]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat = 8, b""
    width = height = channels = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = unfilter(zlib.decompress(idat), width, height, channels)
    size = width * height * channels
    red, green, blue = (raw[k:size:channels] for k in range(3))
    return width, height, list(zip(red, green, blue, strict=True))


def unfilter(raw: bytes, width: int, height: int, bpp: int) -> bytearray:
    """The scanlines of a non-interlaced 8-bit PNG with their filters undone (PNG
    specification, 3rd edition, section 7.3 and 9): None and Up, and Sub a row at a time with
    big integers (bytewise sums without carries between bytes); Average and Paeth, which
    need the byte just made, one byte at a time."""
    stride = width * bpp
    out = bytearray()
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            line = _sub(line, bpp)
        elif kind == 2:
            line = _bytewise_add(line, previous)
        elif kind in (3, 4):
            _average_or_paeth(kind, line, previous, bpp)
        elif kind != 0:
            raise AssertionError(f"unknown PNG filter {kind}")
        out += line
        previous = line
    return out


def _bytewise_add(a: bytes | bytearray, b: bytes | bytearray) -> bytearray:
    """(a[i] + b[i]) mod 256 for each i, on whole rows as big integers: the low 7 bits of
    each byte add without reaching the next byte, the top bit is the exclusive or."""
    n = len(a)
    low, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    return bytearray((((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(n, "big"))


def _sub(line: bytearray, bpp: int) -> bytearray:
    """Sub: each byte plus the rebuilt byte `bpp` to its left, i.e. running sums (mod 256)
    of every bpp-th byte, made with doubling shifts (Hillis and Steele's scan)."""
    n, shift = len(line), bpp
    while shift < n:
        moved = bytes(shift) + line[: n - shift]  # each byte `shift` places to the right
        line = _bytewise_add(line, moved)
        shift *= 2
    return line


def _average_or_paeth(kind: int, line: bytearray, previous: bytearray, bpp: int) -> None:
    for i in range(min(bpp, len(line))):  # no byte to the left: both predict from above
        line[i] = (line[i] + (previous[i] // 2 if kind == 3 else previous[i])) & 0xFF
    for i in range(bpp, len(line)):
        left, up = line[i - bpp], previous[i]
        if kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
            continue
        corner = previous[i - bpp]
        pa, pb, pc = abs(up - corner), abs(left - corner), abs(left + up - 2 * corner)
        if pa <= pb and pa <= pc:
            line[i] = (line[i] + left) & 0xFF
        elif pb <= pc:
            line[i] = (line[i] + up) & 0xFF
        else:
            line[i] = (line[i] + corner) & 0xFF


def row(pixels: list[Pixel], width: int, y: int) -> list[Pixel]:
    return pixels[y * width : (y + 1) * width]


def near(pixel: Pixel, color: Pixel, tolerance: int = 12) -> bool:
    (r, g, b), (cr, cg, cb) = pixel, color
    return abs(r - cr) <= tolerance and abs(g - cg) <= tolerance and abs(b - cb) <= tolerance


def runs(line: list[Pixel], color: Pixel) -> int:
    """How many separate stretches of `color` a row of pixels holds."""
    count, inside = 0, False
    for pixel in line:
        hit = near(pixel, color)
        count += hit and not inside
        inside = hit
    return count
