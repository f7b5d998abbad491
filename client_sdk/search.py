"""Search over the entries on this device (decrypted locally; the server never sees a query).

Ranking, for a query split into words (terms):

- a term matches a word that starts with it, ignoring case ("anx" finds "Anxious");
- each term scores `1 + ln(tf)`, where tf counts its matches in the body, plus TITLE_BOOST per
  match in the title and TAG_BOOST if a tag starts with it (repeating a word helps, but less
  and less);
- the sum is scaled by the share of terms that matched, so entries with every term come first,
  and gets PHRASE_BONUS when the whole query appears as typed;
- equal scores list the newest entry first.

Each hit carries a snippet of the body around the first match, with the spans of the matched
words, so a UI can highlight them. This module is pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from client_sdk.errors import InvalidInput
from client_sdk.models import Entry

TITLE_BOOST = 3.0
TAG_BOOST = 2.0
PHRASE_BONUS = 1.0
SNIPPET_CHARS = 160
MAX_TERMS = 20
ELLIPSIS = "…"

Span = tuple[int, int]


@dataclass(frozen=True)
class SearchHit:
    """An entry that matched, its score, and where the matches are.

    `highlights` are (start, end) spans in `snippet`; `title_highlights` in `entry.title`."""

    entry: Entry
    score: float
    snippet: str
    highlights: tuple[Span, ...]
    title_highlights: tuple[Span, ...]

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON shape (the CLI's `--json`): the entry, then score and snippet."""
        return {
            "entry": self.entry.to_dict(),
            "score": round(self.score, 3),
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
            "title_highlights": [list(span) for span in self.title_highlights],
        }


def query_terms(query: str) -> tuple[str, ...]:
    """The distinct words of a query, lowercased, in order."""
    terms = tuple(dict.fromkeys(re.findall(r"\w+", query.casefold())))
    if not terms:
        raise InvalidInput("search for at least one word")
    if len(terms) > MAX_TERMS:
        raise InvalidInput(f"search for at most {MAX_TERMS} words")
    return terms


def search_entries(
    entries: Iterable[Entry],
    query: str,
    *,
    tag: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[SearchHit]:
    """Entries matching `query`, best first; only those with `tag` and written at or after
    `since` (an aware datetime) when given."""
    terms = query_terms(query)
    wanted_tag = tag.strip().casefold() if tag is not None else None
    hits = []
    for entry in entries:
        if wanted_tag is not None and wanted_tag not in {t.casefold() for t in entry.tags}:
            continue
        if since is not None and entry.created_at < since:
            continue
        hit = match_entry(entry, terms, query)
        if hit is not None:
            hits.append(hit)
    hits.sort(key=lambda h: (-h.score, -h.entry.created_at.timestamp(), h.entry.id))
    return hits if limit is None else hits[:limit]


def match_entry(entry: Entry, terms: tuple[str, ...], query: str) -> SearchHit | None:
    """Score one entry; None if no term matches it."""
    total = 0.0
    matched = 0
    body_spans: list[Span] = []
    title_spans: list[Span] = []
    for term in terms:
        in_body = word_spans(entry.body, term)
        in_title = word_spans(entry.title, term)
        in_tags = any(tag.casefold().startswith(term) for tag in entry.tags)
        frequency = len(in_body) + TITLE_BOOST * len(in_title) + TAG_BOOST * in_tags
        if frequency:
            matched += 1
            total += 1 + math.log(frequency)
        body_spans += in_body
        title_spans += in_title
    if not matched:
        return None
    if _has_phrase(entry, query):
        total += PHRASE_BONUS
    snippet, highlights = make_snippet(entry.body, merge_spans(body_spans))
    return SearchHit(
        entry,
        total * matched / len(terms),
        snippet,
        highlights,
        tuple(merge_spans(title_spans)),
    )


def word_spans(text: str, term: str) -> list[Span]:
    """Spans of the words in `text` that start with `term` (case-insensitive)."""
    pattern = re.compile(r"(?<!\w)" + re.escape(term) + r"\w*", re.IGNORECASE)
    return [match.span() for match in pattern.finditer(text)]


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted spans with overlapping ones joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _has_phrase(entry: Entry, query: str) -> bool:
    phrase = " ".join(query.casefold().split())
    if " " not in phrase:
        return False
    text = " ".join(f"{entry.title} {entry.body}".casefold().split())
    return phrase in text


def make_snippet(
    text: str, spans: list[Span], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[Span, ...]]:
    """About `width` characters of `text` around the first span, cut at spaces, on one line,
    with "…" where text was left out; and the spans that fall inside it, moved to match."""
    if len(text) <= width:
        start, end = 0, len(text)
    else:
        first = spans[0][0] if spans else 0
        start = _word_start(text, max(0, first - width // 3))
        end = _word_end(text, min(len(text), start + width))
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    piece = re.sub(r"\s", " ", text[start:end])  # same length, so spans stay valid
    shift = len(prefix) - start
    inside = tuple(
        (max(s, start) + shift, min(e, end) + shift) for s, e in spans if s < end and e > start
    )
    return prefix + piece + suffix, inside


def _word_start(text: str, index: int) -> int:
    """`index`, moved forward to the start of a word unless it already is one."""
    if index == 0 or text[index - 1].isspace():
        return index
    space = text.find(" ", index, index + 20)
    return space + 1 if space != -1 else index


def _word_end(text: str, index: int) -> int:
    """`index`, moved back to the end of a word unless it already is one."""
    if index >= len(text) or text[index].isspace():
        return index
    space = text.rfind(" ", max(0, index - 20), index)
    return space if space > 0 else index
