"""Text cut where a reader sees a character end: between extended grapheme clusters (Unicode
Standard Annex #29, "Unicode Text Segmentation"), never inside an emoji sequence (a family
joined by zero width joiners, a skin tone, a flag's two regional indicators), a letter and
its combining accents, or a Hangul syllable written as jamo. Segmentation is the `regex`
library's `\\X` (its Unicode tables, kept up to date with each Unicode version); a text of
ASCII characters other than CR is cut per character without it (each is its own cluster)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

ELLIPSIS = "…"


@functools.cache
def _cluster() -> regex.Pattern[str]:
    """`\\X` compiled, imported at the first text that needs it (10 ms: not at every `tj`)."""
    import regex

    return regex.compile(r"\X")


def graphemes(text: str) -> list[str]:
    """`text` as its extended grapheme clusters, in order (joined, they are `text`)."""
    if text.isascii() and "\r" not in text:  # CR LF is one cluster
        return list(text)
    return _cluster().findall(text)


def cut(text: str, limit: int, mark: str = ELLIPSIS) -> str:
    """`text` whole when it is at most `limit` characters (code points) long, else the most
    whole clusters (`graphemes`) from its start that fit in `limit` with `mark` after them
    ("" for a plain cut): never more than `limit` characters, never a cluster split."""
    if len(text) <= limit:
        return text
    room, kept, used = limit - len(mark), [], 0
    for cluster in graphemes(text):
        if used + len(cluster) > room:
            break
        kept.append(cluster)
        used += len(cluster)
    return "".join(kept) + mark
