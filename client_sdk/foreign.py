"""Entries from other journaling apps, read into an Archive that `portability.restore` imports
like our own export (journals by name, duplicates skipped, new ids). Pure: no I/O, no clock.

- **Day One** JSON export (the `Journal.json` inside Day One's "JSON" export zip): a map
  with `entries`, each with `uuid`, `creationDate` (ISO 8601 UTC, e.g.
  "2023-01-05T14:23:11Z"), optional `modifiedDate`, `timeZone` (an IANA name such as
  "Europe/Berlin", giving the writer's UTC offset at that moment), `text` (Markdown) and
  `tags`. Photos, audio, location and weather are not imported. An entry's text whose first
  line is a Markdown heading ("# Title") gives the title.
- **Daylio** CSV backup ("Export entries (CSV)"): a header row, then one row per entry with
  the columns `full_date` (YYYY-MM-DD), `date`, `weekday`, `time` ("20:30" or "8:30 PM",
  depending on the phone's locale), `mood` (the mood's label), `activities` (separated by
  " | "), `note_title` and `note`. Times are wall-clock times without a zone: they are read in
  the zone passed in (the importing device's by default). Daylio's five default moods are
  spread over our 1-10 scale (awful 1, bad 3, meh 6, good 8, rad 10: 1 + (level - 1) * 9 / 4,
  rounded); custom mood labels need a `moods` map (label -> 1..10).

Bad input raises InvalidInput naming the entry or line, and nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from client_sdk.archive import Archive, ArchivedEntry, ArchivedJournal
from client_sdk.documents import MAX_BODY, MAX_TITLE
from client_sdk.errors import BAD_VALUE, InvalidInput

DAYLIO_MOODS = {"awful": 1, "bad": 3, "meh": 6, "good": 8, "rad": 10}
DAYLIO_COLUMNS = ("full_date", "time", "mood", "activities", "note_title", "note")
DAYLIO_TIMES = ("%H:%M", "%I:%M %p", "%H:%M:%S")
JOURNAL_ID = "imported"


def is_dayone(data: Any) -> bool:
    """Whether parsed JSON has the shape of a Day One export: a map holding `metadata` (a map
    with Day One's `version`, "1.0" today) and a list of `entries`. A map with only
    `entries` is some other app's file, not taken for Day One's (NU18 C9)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("metadata"), dict)
        and "version" in data["metadata"]
        and isinstance(data.get("entries"), list)
    )


def dayone_archive(data: Any, journal: str, account: str, now: datetime) -> Archive:
    """The entries of a Day One JSON export, for the journal named `journal`."""
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise InvalidInput(
            "this is not a Day One JSON export (no list of entries)", subject=BAD_VALUE
        )
    entries = tuple(_dayone_entry(raw, n, journal) for n, raw in enumerate(data["entries"], 1))
    return _archive(entries, journal, account, now)


def daylio_archive(
    text: str,
    journal: str,
    account: str,
    now: datetime,
    tz: tzinfo | None = None,
    moods: Mapping[str, int] | None = None,
) -> Archive:
    """The entries of a Daylio CSV backup, times read in `tz` (None: this system's zone)."""
    scale = {**DAYLIO_MOODS, **{k.strip().casefold(): v for k, v in (moods or {}).items()}}
    if any(not 1 <= v <= 10 for v in scale.values()):
        raise InvalidInput("a mood map gives each label a mood from 1 to 10", subject=BAD_VALUE)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in DAYLIO_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            f"this is not a Daylio CSV backup (no column {', '.join(missing)})", subject=BAD_VALUE
        )
    entries = tuple(_daylio_entry(row, reader.line_num, journal, scale, tz) for row in reader)
    return _archive(entries, journal, account, now)


def _archive(
    entries: tuple[ArchivedEntry, ...], journal: str, account: str, now: datetime
) -> Archive:
    journals = (ArchivedJournal(JOURNAL_ID, journal, "owner", account),)
    return Archive(account, now, journals, entries, (), ())


def _dayone_entry(raw: Any, number: int, journal: str) -> ArchivedEntry:
    where = f"Day One entry {number}"
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where} is not a map", subject=BAD_VALUE)
    where = f"Day One entry {raw.get('uuid', number)}"
    created = _instant(raw.get("creationDate"), f"{where}: creationDate")
    modified = raw.get("modifiedDate")
    updated = _instant(modified, f"{where}: modifiedDate") if modified else created
    text = raw.get("text", "")
    tags = raw.get("tags", [])
    if not isinstance(text, str) or not isinstance(tags, list):
        raise InvalidInput(f"{where}: text is a string and tags a list", subject=BAD_VALUE)
    if not all(isinstance(tag, str) for tag in tags):
        raise InvalidInput(f"{where}: every tag is a string", subject=BAD_VALUE)
    title, body = _title_and_body(DAYONE_MEDIA.sub("", text))
    _check_body(body, where)
    offset = _zone_offset(raw.get("timeZone"), created, where)
    return ArchivedEntry(
        f"dayone-{raw.get('uuid', number)}",
        JOURNAL_ID,
        journal,
        title,
        body,
        None,
        tuple(dict.fromkeys(t.strip() for t in tags if t.strip())),
        (),
        None,
        created,
        max(updated, created),
        offset,
    )


def _daylio_entry(
    row: dict[str, str | None],
    line: int,
    journal: str,
    scale: Mapping[str, int],
    tz: tzinfo | None,
) -> ArchivedEntry:
    where = f"Daylio line {line}"
    day, clock = (row.get("full_date") or "").strip(), (row.get("time") or "").strip()
    moment = _wall_clock(day, clock, where)
    local = moment.replace(tzinfo=tz) if tz is not None else moment.astimezone()
    label = (row.get("mood") or "").strip()
    mood = scale.get(label.casefold()) if label else None
    if label and mood is None:
        raise InvalidInput(
            f"{where}: the mood {label!r} is not one of Daylio's defaults "
            f"({', '.join(DAYLIO_MOODS)}): give it a number from 1 to 10 in the mood map",
            subject="daylio mood",
        )
    activities = [a.strip() for a in (row.get("activities") or "").split("|")]
    note = (row.get("note") or "").replace("<br>", "\n").strip()
    title, body = _fitted((row.get("note_title") or "").strip(), note)
    _check_body(body, where)
    offset = local.utcoffset()
    created = local.astimezone(UTC)
    return ArchivedEntry(
        f"daylio-{line}",
        JOURNAL_ID,
        journal,
        title,
        body,
        mood,
        tuple(dict.fromkeys(a for a in activities if a)),
        (),
        None,
        created,
        created,
        int(offset.total_seconds() // 60) if offset is not None else None,
    )


def _instant(value: Any, where: str) -> datetime:
    """An ISO 8601 instant with a zone ("Z" or an offset)."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(
            f"{where} is not an ISO 8601 time with a zone: {value!r}", subject=BAD_VALUE
        )
    return moment.astimezone(UTC)


def _wall_clock(day: str, clock: str, where: str) -> datetime:
    for pattern in DAYLIO_TIMES:
        try:
            return datetime.strptime(f"{day} {clock}", f"%Y-%m-%d {pattern}")
        except ValueError:
            continue
    raise InvalidInput(
        f"{where}: {day!r} {clock!r} is not a date (YYYY-MM-DD) and a time", subject=BAD_VALUE
    )


def _zone_offset(name: Any, moment: datetime, where: str) -> int | None:
    """The UTC offset (minutes) of the IANA zone `name` at `moment`; None without a zone."""
    if name is None or name == "":
        return None
    try:
        offset = moment.astimezone(ZoneInfo(str(name))).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{where}: unknown time zone {name!r}", subject=BAD_VALUE) from None
    return int(offset.total_seconds() // 60) if offset is not None else None


DAYONE_MEDIA = re.compile(r"[ \t]*!\[[^\]]*\]\(dayone-moment:[^)]*\)[ \t]*\n?")
"""Day One's placeholders for photos and other media (`![](dayone-moment://ID)`): the media
are not imported, so neither are their placeholders."""


def _title_and_body(text: str) -> tuple[str, str]:
    """A first line that is a Markdown heading ("# Title") is the title; the rest the body."""
    first, _, rest = text.strip().partition("\n")
    if first.startswith("#"):
        return _fitted(first.lstrip("#").strip(), rest.strip())
    return "", text.strip()


def _fitted(title: str, body: str) -> tuple[str, str]:
    """A title too long to be one stays whole, as the body's first line."""
    if len(title) <= MAX_TITLE:
        return title, body
    return "", f"{title}\n\n{body}".strip()


def _check_body(body: str, where: str) -> None:
    if len(body) > MAX_BODY:
        raise InvalidInput(f"{where}: its text is over {MAX_BODY:,} characters", subject=BAD_VALUE)
