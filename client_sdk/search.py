"""Search over the entries on this device (decrypted locally; the server never sees a query).

A query holds words (terms), "exact phrases" in double quotes, and -excluded words; a run of
symbols such as an emoji ("😀", "☀️") is a term too, matched wherever it appears (a flag
only as a whole flag: "🇭🇫" is not found in "🇨🇭🇫🇷"), quoted or not (a phrase of symbols
alone, '"😀"', is searched for as its symbols; a phrase's words are compared, its symbols are
not):

- matching ignores case and accents: text and query are folded (Unicode NFKD, combining marks
  dropped, then case-folded), so "zurich" finds "Zürich" and "ZURICH";
- a term matches a word that starts with it ("anx" finds "Anxious"); a word starts after a
  space, a punctuation mark, or a CJK character ("tom" finds "Tom" in "和Tom去了");
- a term holding CJK characters (Han, Hiragana, Katakana, Hangul: `CJK`), written without
  spaces between words, matches anywhere in the text, and only itself ("公园" finds
  "我去了公园。", "行きたい" finds "東京に行きたい"), never part of a Hangul syllable ("하"
  does not find "한"); a phrase's first or last word holding CJK characters is matched so too;
- every term must be found (in the title, the body, a tag or an emotion): "work box" finds
  only entries with both words; an entry missing one is not a hit;
- every phrase must appear, word for word, in the title or the body (spaces between words
  are compared as one space); an entry without it is not a hit;
- an entry holding an excluded word (a whole word, in its title, body, tags or emotions) is
  not a hit; "-" excludes only at a word's start: "-well-being" leaves out the hyphenated
  word whole (its words in order), '-"felt calm"' a phrase;
- a tag or an emotion is searched as a text is: a term matches the start of any of its words
  (a hyphen parts words there as in the text: "care" and "self care" find the tag
  "self-care"), and a phrase found only in a tag is a hit (scored as a term found only
  there);
- an entry's emotions ("calm", "anxious") are matched and scored as its tags are (NU42 #8).

Ranking:

- each term found in the text scores `1 + ln(tf)`, where tf counts its matches in the body,
  plus TITLE_BOOST per match in the title and TAG_BOOST if a tag also starts with it
  (repeating a word helps, but less and less); a term found only in a tag scores TAG_ONLY
  (less than one match in the text), so for a one-word query every entry that holds the word
  in its title or text ranks above every entry that only has it as a tag;
- each phrase found scores like a term matched once, plus PHRASE_BONUS;
- the sum gets PHRASE_BONUS when the whole query appears as typed;
- equal scores list the newest entry first.

Each hit carries a snippet of the body around the first match, with the spans of the matched
words, so a UI can highlight them. This module is pure: no I/O.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from client_sdk.errors import BAD_VALUE, InvalidInput
from client_sdk.graphemes import graphemes
from client_sdk.models import Entry

TITLE_BOOST = 3.0
TAG_BOOST = 2.0
TAG_ONLY = 0.5
PHRASE_BONUS = 1.0
SNIPPET_CHARS = 160
MAX_TERMS = 20
ELLIPSIS = "…"
CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff"
    "\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff"
    "\uf900-\ufaff\uff66-\uff9f\U0001b000-\U0001b16f\U00020000-\U0003ffff"
)
"""Han, Hiragana, Katakana and Hangul (its syllables and jamo), as a regex character class's
ranges: scripts written without spaces between words (Korean with them, but with particles
joined to words), so a term in them matches anywhere (NU39 #2)."""
WORD_START = rf"(?:(?<!\w)|(?<=[{CJK}]))"
"""Where a word starts: after no word character, or after a CJK one (the start of a Latin
word written right after CJK text)."""
LATIN_REST = rf"(?:(?![{CJK}])\w)*"
"""The rest of a word that a term starts: word characters up to a CJK one."""
HANGUL_MORE = "(?![\u1160-\u11ff\ud7b0-\ud7ff\u3099\u309a])"
"""Not inside a syllable: no Hangul vowel or final consonant jamo follows (the folded text
holds syllables as jamo, NFKD), nor a kana voicing mark (`KANA_MARKS`: "か" is not "が")."""
WORD = r"[\w\u3099\u309a]+"
"""A word of a query: word characters, with the kana voicing marks folding keeps (`\\w` is
not true of them: "がっこう" was cut into "か" and "っこう", each matching alone)."""

Span = tuple[int, int]
_REGIONAL = re.compile("[\U0001f1e6-\U0001f1ff]")
"""A regional indicator symbol: two of them make a flag ("🇨🇭")."""


@dataclass(frozen=True)
class SearchHit:
    """An entry that matched, its score, and where the matches are.

    `highlights` are (start, end) spans in `snippet`; `title_highlights` in `entry.title`;
    each covers whole grapheme clusters (a match inside an emoji sequence spans all of it:
    `cluster_spans`)."""

    entry: Entry
    score: float
    snippet: str
    highlights: tuple[Span, ...]
    title_highlights: tuple[Span, ...]
    tags_matched: tuple[str, ...] = ()
    """The entry's tags a term matched, as written (what an app shows for a match found only in the
    tags)."""
    emotions_matched: tuple[str, ...] = ()
    """The entry's emotions a term matched (so that "calm" finds a check-in with the emotion calm),
    scored as tags are."""

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON shape (the CLI's `--json`): the entry, then its `score` as "relevance"
        (a fraction, 3 decimals: "score" is a questionnaire's whole total in every JSON) and
        snippet."""
        return {
            "entry": self.entry.to_dict(),
            "relevance": round(self.score, 3),
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
            "title_highlights": [list(span) for span in self.title_highlights],
            "tags_matched": list(self.tags_matched),
            "emotions_matched": list(self.emotions_matched),
        }


@dataclass(frozen=True)
class Query:
    """A parsed search query, every part already folded (see `fold`)."""

    terms: tuple[str, ...]
    phrases: tuple[str, ...]
    excluded: tuple[str, ...]
    folded: str


KANA_MARKS = frozenset("\u3099\u309a")
"""The combining voiced and semi-voiced sound marks of Japanese kana (dakuten, handakuten):
kept when folding, for they make another syllable ("が" is not "か"), not an accent on the same
one (NU39b: "か" found "が")."""


def fold(text: str) -> str:
    """`text` without accents and case: NFKD, combining marks dropped (but KANA_MARKS),
    case-folded, character by character (ASCII runs at once: lower case is their fold)."""
    if text.isascii():
        return text.lower()
    return "".join(run.lower() if run.isascii() else _fold_run(run) for run in _RUNS.findall(text))


def tag_key(tag: str) -> str:
    """The form a tag filter matches tags in (`tj list --tag`, `entries.list(tag=)`,
    `entries.search(tag=)`): stripped, without accents and case (`fold`), as a search
    matches words: "cafe" finds the tag "Café". A tag's own spelling is kept as written."""
    return fold(tag.strip())


def fold_with_positions(text: str) -> tuple[str, list[int]]:
    """The folded text (`fold`) and, for each of its characters, the index in `text` it came
    from, so that a span found in the folded text maps back onto the original."""
    folded: list[str] = []
    origin: list[int] = []
    for run in _RUNS.finditer(text):
        start = run.start()
        if run.group().isascii():
            folded.append(run.group().lower())
            origin.extend(range(start, run.end()))
            continue
        for index, char in enumerate(run.group(), start):
            piece = _fold_char(char)
            folded.append(piece)
            origin.extend([index] * len(piece))
    return "".join(folded), origin


_RUNS = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")
"""Runs of ASCII characters (each its own fold, lower-cased) and runs of others."""


def _fold_run(run: str) -> str:
    return "".join(_fold_char(char) for char in run)


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character folded (searching 10,000 entries folds millions, few distinct)."""
    return "".join(
        part.casefold()
        for part in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(part) or part in KANA_MARKS
    )


def parse_query(query: str) -> Query:
    """Split a query into terms, "exact phrases" and -excluded words (a quote left open runs
    to the end of the query).

    Raises InvalidInput when nothing is left to search for (only exclusions, or no word or
    symbol at all: punctuation alone) or when it holds more than MAX_TERMS words."""
    folded = fold(query)
    # `-"a phrase"` leaves out entries holding the phrase: before the phrases are taken, or
    # it was read as a phrase to find (and its "-" as punctuation).
    excluded_phrases = [
        " ".join(re.findall(WORD, p)) for p in re.findall(r'(?<![\w"])-"([^"]*)"?', folded)
    ]
    folded = re.sub(r'(?<![\w"])-"[^"]*"?', " ", folded)
    quoted = re.findall(r'"([^"]*)"?', folded)
    phrases = tuple(dict.fromkeys(" ".join(re.findall(WORD, p)) for p in quoted))
    phrases = tuple(p for p in phrases if p)
    # A phrase of emoji alone ('"😀"') has no word to be a phrase of: its emoji are searched
    # for as they are unquoted (NU57 #3: it was refused as holding nothing to search for).
    emoji_phrases = [
        run
        for p in quoted
        if not re.findall(WORD, p)
        for run in re.findall(r"[^\w\s]+", p)
        if _is_symbol_run(run)
    ]
    rest = re.sub(r'"[^"]*"?', " ", folded)
    # A "-" leaves a word out only at the word's start; a hyphenated word ("-well-being") is
    # left out whole, as the words it joins, in order ("well being"). Only one "-" does:
    # "--limit" is a word to find (README's `tj search -- --limit`: its second "-" was read
    # as leaving "limit" out, and the search was refused as finding nothing, nu79 F2).
    hyphenated = rf"{WORD}(?:-{WORD})*"
    excluded = tuple(
        dict.fromkeys(
            [
                *(
                    " ".join(re.findall(WORD, w))
                    for w in re.findall(rf"(?<![\w-])-({hyphenated})", rest)
                ),
                *(p for p in excluded_phrases if p),
            ]
        )
    )
    rest = re.sub(rf"(?<![\w-])-{hyphenated}", " ", rest)
    symbols = [run for run in re.findall(r'[^\w\s"]+', rest) if _is_symbol_run(run)]
    excluded += tuple(dict.fromkeys(run[1:] for run in symbols if run.startswith("-")))
    terms = tuple(
        dict.fromkeys(
            [
                *re.findall(WORD, rest),
                *(run for run in symbols if not run.startswith("-")),
                *emoji_phrases,
            ]
        )
    )
    if not terms and not phrases:
        raise InvalidInput(
            'search for at least one word, emoji or "phrase" (punctuation alone, or only '
            "words to leave out, finds nothing)",
            subject=BAD_VALUE,
        )
    words = len(terms) + sum(len(p.split()) for p in (*excluded, *phrases))
    if words > MAX_TERMS:
        raise InvalidInput(f"search for at most {MAX_TERMS} words", subject=BAD_VALUE)
    return Query(terms, phrases, excluded, " ".join(re.findall(WORD, rest)))


def _is_symbol_run(run: str) -> bool:
    """Whether a run of characters that are neither word characters nor spaces holds a
    symbol (Unicode category So: an emoji, "☀", "♥"), and so is searched for as a term (NU35
    #9: `tj search 😀` was refused); punctuation alone ("...", "!") is not."""
    return any(unicodedata.category(char) == "So" for char in run)


def search_entries(
    entries: Iterable[Entry],
    query: str,
    *,
    tag: str | Iterable[str] | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[SearchHit]:
    """Entries matching `query` (see the module docstring), best first; only those with
    `tag` (any case; several: any of them) and written at or after `since` (an aware
    datetime) when given; the best `limit`.

    Raises InvalidInput for a query with nothing to search for."""
    return rank_entries(entries, query, tag=tag, since=since, limit=limit).hits


def rank_entries(
    entries: Iterable[Entry],
    query: str,
    *,
    tag: str | Iterable[str] | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> SearchResults:
    """`search_entries`'s hits, with how many entries matched in all: every entry is
    scored, and only the best `limit` get their snippet and highlights (building them for
    every hit took most of a search: NU47 #5).

    Raises InvalidInput for a query with nothing to search for."""
    parsed = parse_query(query)
    wanted = {tag_key(t) for t in ([tag] if isinstance(tag, str) else tag or [])}
    found = []
    for entry in entries:
        if wanted and wanted.isdisjoint(tag_key(t) for t in entry.tags):
            continue
        if since is not None and entry.created_at < since:
            continue
        scored = _score(entry, parsed)
        if scored is not None:
            found.append(scored)
    found.sort(key=lambda m: (-m.score, -m.entry.created_at.timestamp(), m.entry.id))
    best = found if limit is None else found[:limit]
    return SearchResults([_hit(scored) for scored in best], len(found))


@dataclass(frozen=True)
class SearchResults:
    """The best hits of a search (`hits`, best first) and how many entries matched in all
    (`total`: more than `len(hits)` when a limit left some out)."""

    hits: list[SearchHit]
    total: int


def match_entry(entry: Entry, query: Query) -> SearchHit | None:
    """Score one entry; None if it misses a term or a phrase, or holds an excluded word."""
    scored = _score(entry, query)
    return _hit(scored) if scored is not None else None


@dataclass(frozen=True)
class _Scored:
    """An entry that matched, its score, and its matches as spans of the folded texts:
    mapped back onto the original ones (`_hit`) only for the hits shown."""

    entry: Entry
    score: float
    body: FoldedText = field(repr=False)  # decrypted: never in a repr
    title: FoldedText = field(repr=False)
    body_spans: list[Span]
    title_spans: list[Span]
    tags_matched: set[int]
    emotions_matched: set[int]


def _score(entry: Entry, query: Query) -> _Scored | None:
    body = FoldedText(entry.body)
    title = FoldedText(entry.title)
    tags = [fold(tag) for tag in entry.tags]
    emotions = [fold(emotion) for emotion in entry.emotions]
    if _excluded(query.excluded, body, title, tags + emotions):
        return None
    total = 0.0
    matched = 0
    body_spans: list[Span] = []
    title_spans: list[Span] = []
    tags_matched: set[int] = set()
    emotions_matched: set[int] = set()
    for phrase in query.phrases:
        in_body, in_title = body.phrase_matches(phrase), title.phrase_matches(phrase)
        if not in_body and not in_title:
            # A tag or an emotion holds a phrase as a text would ('"self-care"', '"self
            # care"' find the tag self-care), scored as a term found only there.
            hit_tags = [at for at, tag in enumerate(tags) if _tag_has_phrase(tag, phrase)]
            hit_emotions = [at for at, e in enumerate(emotions) if _tag_has_phrase(e, phrase)]
            if not hit_tags and not hit_emotions:
                return None
            tags_matched.update(hit_tags)
            emotions_matched.update(hit_emotions)
            total += TAG_ONLY
            continue
        total += 1 + PHRASE_BONUS
        body_spans += in_body
        title_spans += in_title
    for term in query.terms:
        in_body = body.word_matches(term)
        in_title = title.word_matches(term)
        hit_tags = [at for at, tag in enumerate(tags) if _tag_holds(tag, term)]
        hit_emotions = [at for at, emotion in enumerate(emotions) if _tag_holds(emotion, term)]
        in_tags = bool(hit_tags or hit_emotions)
        tags_matched.update(hit_tags)
        emotions_matched.update(hit_emotions)
        in_text = len(in_body) + TITLE_BOOST * len(in_title)
        if in_text:
            matched += 1
            total += 1 + math.log(in_text + TAG_BOOST * in_tags)
        elif in_tags:
            matched += 1
            total += TAG_ONLY
        body_spans += in_body
        title_spans += in_title
    if matched < len(query.terms):  # every word: "work box" is not "work" alone
        return None
    if len(query.terms) > 1 and _has_phrase(body, title, query.folded):
        total += PHRASE_BONUS
    return _Scored(
        entry,
        total,
        body,
        title,
        body_spans,
        title_spans,
        tags_matched,
        emotions_matched,
    )


def _hit(scored: _Scored) -> SearchHit:
    """A scored entry's hit: its snippet, and its matches as spans of the original texts."""
    entry = scored.entry
    body_spans = cluster_spans(entry.body, merge_spans(scored.body.original(scored.body_spans)))
    snippet, highlights = make_snippet(entry.body, body_spans)
    title_spans = merge_spans(scored.title.original(scored.title_spans))
    return SearchHit(
        entry,
        scored.score,
        snippet,
        highlights,
        tuple(cluster_spans(entry.title, title_spans)),
        tuple(entry.tags[at] for at in sorted(scored.tags_matched)),
        tuple(entry.emotions[at] for at in sorted(scored.emotions_matched)),
    )


def cluster_spans(text: str, spans: Iterable[Span]) -> list[Span]:
    """`spans` of `text` widened to whole grapheme clusters (user-perceived characters) and
    joined where they then overlap: a match inside an emoji sequence ("👩" in "👨‍👩‍👧", "💻"
    in "🧑🏽‍💻") spans the whole of it, as a terminal highlights it, never half a cluster
    (NU57 #7: `--json` gave the code points matched). Pure."""
    spans = sorted(spans)
    if not spans or (text.isascii() and "\r" not in text):
        return spans
    edges, at = [0], 0
    for cluster in graphemes(text):
        at += len(cluster)
        edges.append(at)
    widened: list[Span] = []
    for start, end in spans:
        start = edges[bisect.bisect_right(edges, start) - 1]
        end = edges[min(bisect.bisect_left(edges, end), len(edges) - 1)]
        if widened and start <= widened[-1][1]:
            widened[-1] = (widened[-1][0], max(end, widened[-1][1]))
        else:
            widened.append((start, end))
    return widened


class FoldedText:
    """A text and its folded form, finding spans in the folded form (`..._matches`) and
    giving them back as spans of the original text (`original`, `..._spans`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = fold(text)
        self._same = text.isascii()  # folded by lower case alone: the same positions
        self._origin: list[int] | None = None

    def word_spans(self, term: str) -> list[Span]:
        """Spans of the words that start with `term` (already folded); a symbol term (an
        emoji: `_is_symbol_run`) or a CJK one (`_is_cjk`: the term alone) wherever it
        appears."""
        return self.original(self.word_matches(term))

    def word_matches(self, term: str) -> list[Span]:
        """`word_spans` as spans of the folded text."""
        if not _is_word(term):
            return self._symbol_matches(term)
        if _is_cjk(term):
            return self._matches(re.escape(term) + HANGUL_MORE)
        return self._matches(WORD_START + re.escape(term) + LATIN_REST)

    def has_word(self, word: str) -> bool:
        """Whether the whole word `word` (already folded) appears; a symbol or a CJK word
        anywhere."""
        if not _is_word(word):
            return bool(self._symbol_matches(word))
        if _is_cjk(word):
            return bool(self._matches(re.escape(word) + HANGUL_MORE))
        return bool(self._matches(WORD_START + re.escape(word) + rf"(?![^\W{CJK}])"))

    def phrase_spans(self, phrase: str) -> list[Span]:
        """Spans where the words of `phrase` appear in order, separated by anything that is
        not a word character; its ends at word boundaries, but anywhere in CJK text when the
        first or last word holds CJK characters."""
        return self.original(self.phrase_matches(phrase))

    def phrase_matches(self, phrase: str) -> list[Span]:
        """`phrase_spans` as spans of the folded text."""
        words = phrase.split()
        start = "" if _is_cjk(words[0]) else WORD_START
        end = HANGUL_MORE if _is_cjk(words[-1]) else rf"(?![^\W{CJK}])"
        return self._matches(start + r"\W+".join(map(re.escape, words)) + end)

    def original(self, spans: Iterable[Span]) -> list[Span]:
        """Spans of the folded text as spans of the original one (the positions are worked
        out at the first call: only the hits shown need them)."""
        if self._same:
            return list(spans)
        if self._origin is None:
            self._origin = fold_with_positions(self.text)[1]
        origin = self._origin
        return [(origin[start], origin[end - 1] + 1) for start, end in spans]

    def _matches(self, pattern: str) -> list[Span]:
        return [m.span() for m in re.finditer(pattern, self.folded) if m.end() > m.start()]

    def _symbol_matches(self, term: str) -> list[Span]:
        """Where a symbol term (`_is_symbol_run`) appears, never from the second half of a
        flag (a pair of regional indicators): "🇭🇫" is not found in "🇨🇭🇫🇷", whose flags
        are "🇨🇭" and "🇫🇷" (a match starting after an odd number of them is not one)."""
        if not _REGIONAL.match(term):
            return self._matches(re.escape(term))
        text, found, at = self.folded, [], 0
        while (match := text.find(term, at)) != -1:
            before = match
            while before > 0 and _REGIONAL.match(text[before - 1]):
                before -= 1
            if (match - before) % 2 == 0:
                found.append((match, match + len(term)))
                at = match + len(term)
            else:
                at = match + 1
        return found


def _is_word(term: str) -> bool:
    """Whether a query's term is made of word characters (else a symbol run)."""
    return re.fullmatch(WORD, term) is not None


def _is_cjk(term: str) -> bool:
    """Whether a term holds a CJK character (see `CJK`)."""
    return re.search(f"[{CJK}]", term) is not None


def _tag_holds(tag: str, term: str) -> bool:
    """Whether a folded tag holds a folded term as a text would (`FoldedText.word_spans`): at
    the start of one of its words ("anx" in "anxious"; "care" and "life" in "self-care" and
    "work-life", whose words a hyphen parts as in the text), or anywhere for a CJK term; never
    where the term ends inside a syllable (HANGUL_MORE: "か" is not the start of "がっこう")."""
    pattern = re.escape(term) + HANGUL_MORE
    if _is_cjk(term):
        return re.search(pattern, tag) is not None
    return re.match(pattern, tag) is not None or re.search(WORD_START + pattern, tag) is not None


def _tag_has_phrase(tag: str, phrase: str) -> bool:
    """Whether a folded tag holds a phrase's words in order, as a text would."""
    return bool(FoldedText(tag).phrase_matches(phrase))


def _excluded(
    excluded: tuple[str, ...], body: FoldedText, title: FoldedText, tags: list[str]
) -> bool:
    """Whether the texts or a tag hold an excluded word (a whole word) or phrase (its words
    in order: "well being" for "-well-being" or '-"well being"')."""
    return any(
        _holds(text, word) for word in excluded for text in (body, title, *map(FoldedText, tags))
    )


def _holds(text: FoldedText, word: str) -> bool:
    return bool(text.phrase_matches(word)) if " " in word else text.has_word(word)


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted spans with overlapping ones joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _has_phrase(body: FoldedText, title: FoldedText, words: str) -> bool:
    """Whether the query's words appear together, in order, in the title or the body."""
    return bool(body.phrase_spans(words) or title.phrase_spans(words))


def make_snippet(
    text: str, spans: list[Span], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[Span, ...]]:
    """About `width` characters of `text` around the first span, cut at spaces, on one line,
    with "…" where text was left out; and the spans that fall inside it, moved to match.
    Without a space near, it is cut between grapheme clusters (`graphemes`), never inside an
    emoji sequence or a letter with its accents."""
    if len(text) <= width:
        start, end = 0, len(text)
    else:
        first = spans[0][0] if spans else 0
        start = _word_start(text, max(0, first - width // 3))
        end = _word_end(text, min(len(text), start + width))
        start, end = _cluster_edges(text, start, end, first)
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    piece = re.sub(r"\s", " ", text[start:end])  # same length, so spans stay valid
    shift = len(prefix) - start
    inside = tuple(
        (max(s, start) + shift, min(e, end) + shift) for s, e in spans if s < end and e > start
    )
    return prefix + piece + suffix, inside


def _cluster_edges(text: str, start: int, end: int, first: int) -> tuple[int, int]:
    """`start` and `end` moved to the edges of `text`'s grapheme clusters: `start` forward
    to the next one (back to the one before it when that would pass `first`, the first
    match), `end` back to the one before it (forward when that would reach `start`)."""
    if text.isascii() and "\r" not in text:  # each character its own cluster
        return start, end
    edges, at = [0], 0
    for cluster in graphemes(text):
        at += len(cluster)
        edges.append(at)
    after = bisect.bisect_left(edges, start)  # the first edge at or after `start`
    if edges[after] != start:
        start = edges[after] if edges[after] <= first else edges[after - 1]
    before = bisect.bisect_right(edges, end) - 1  # the last edge at or before `end`
    if edges[before] != end:
        end = edges[before] if edges[before] > start else edges[before + 1]
    return start, end


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
