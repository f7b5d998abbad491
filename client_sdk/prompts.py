"""Reflection prompts: the built-in library, and which prompt to suggest next.

The library was written for this product, for the work between a client and a therapist. Each
prompt has a stable id ("trust-01"): an entry that answers a prompt stores that id as its
`prompt_id`, so ids are never reused or renumbered; new prompts get new numbers.

A therapist with the annotate role can add prompts of their own to a journal shared with them
(notes of kind "prompt"); their id is the note's document id. Suggestions put those first,
then library prompts not answered recently (see `rank`).

This module is pure: no I/O and no clock (callers pass the time).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from client_sdk.errors import BAD_VALUE, InvalidInput
from client_sdk.models import json_time, to_datetime

CATEGORIES = (
    "trust",
    "communication",
    "emotions",
    "goals",
    "self-reflection",
    "gratitude",
    "coping",
)
THERAPIST = "therapist"  # the category shown for prompts a therapist added
RECENT_DAYS = 14
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Prompt:
    """A prompt to reflect on: from the library, or added by a therapist (`from_therapist`,
    with the therapist's `author` name and the `journal` it was added to)."""

    id: str
    category: str
    text: str
    from_therapist: bool = False
    author: str | None = None
    journal: str | None = None
    created_at: datetime | None = None
    last_answered: datetime | None = None
    journal_id: str | None = None
    """The id (32 hex digits) of the journal a therapist's prompt was added to; None for
    the library's."""

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON shape (the CLI's `--json`)."""
        return {
            "id": self.id,
            "category": self.category,
            "text": self.text,
            "from_therapist": self.from_therapist,
            "author": self.author,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "last_answered": json_time(self.last_answered) if self.last_answered else None,
        }


def _library(category: str, *texts: str) -> tuple[Prompt, ...]:
    return tuple(
        Prompt(f"{category}-{number:02d}", category, text)
        for number, text in enumerate(texts, start=1)
    )


LIBRARY: tuple[Prompt, ...] = (
    *_library(
        "trust",
        "What made it easier, or harder, to be honest in your last session?",
        "Is there something you have been holding back from your therapist? What would you "
        "need to feel safe enough to say it?",
        "Think of someone you trust. What did they do, over time, that earned it?",
        "When did you last let someone see you struggling? How did they respond, and how did "
        "that feel?",
        "What would you like your therapist to understand about you that you have not found "
        "the words for yet?",
        "Where in your life do you feel most like yourself, without having to perform? What "
        "makes that place safe?",
        "Describe a moment this week when you trusted your own judgment. What happened?",
    ),
    *_library(
        "communication",
        "Write down one thing you wish you had said in a recent conversation. What stopped "
        "you at the time?",
        "Which topic would you like to bring to your next session? Write a sentence you could "
        "open with.",
        "Recall a disagreement from this week. What were you needing that the other person "
        "may not have heard?",
        "How do you usually let people know you are upset? Is that the way you would choose?",
        "Who do you find it easiest to talk to, and what do they do that helps?",
        "Was there a moment recently when you said yes but meant no? What would a kind, clear "
        "no have sounded like?",
        "If today's feelings could write a short note to someone, who would it go to and what "
        "would it say?",
    ),
    *_library(
        "emotions",
        "Name the strongest feeling you had today. Where did you notice it in your body?",
        "Which feeling has been visiting most often lately? If it could speak, what would it "
        "ask for?",
        "Describe a moment today when your mood shifted. What happened just before?",
        "Which emotion is hardest for you to let yourself feel? What do you tend to do instead?",
        "Think of a small moment of ease or joy this week. What made room for it?",
        "When you last felt overwhelmed, what was underneath it: fear, sadness, anger, "
        "tiredness, something else?",
        "Write to a difficult feeling as if it were a guest: what brought it here, and what "
        "does it need from you?",
    ),
    *_library(
        "goals",
        "What is one step you took this week toward a goal from therapy, however small?",
        "Picture yourself six months from now, a little further along. What is different "
        "about an ordinary day?",
        "Which goal feels heavy right now? What would make the next step smaller?",
        "What got in the way of a change you wanted this week? What did the obstacle teach you?",
        "Why does the goal you are working on matter to you, in your own words rather than "
        "anyone else's?",
        "Who could support you with a goal you are working on, and what could you ask of them?",
        "Look back at where you were when you started therapy. What has shifted since then?",
    ),
    *_library(
        "self-reflection",
        "What did you learn about yourself in your last session that you want to remember?",
        "Which old pattern showed up this week? What did you notice about it this time?",
        "What story do you tell yourself when things go wrong? Is it the whole truth?",
        "Describe a choice you made this week that reflects the person you want to be.",
        "What are you carrying right now that is not yours to carry?",
        "If a close friend had lived your week, what would you say to them about it?",
        "Which boundary did you keep recently, or wish you had kept?",
    ),
    *_library(
        "gratitude",
        "Name three small things from today that you are glad happened.",
        "Who made your week a little lighter? What might you tell them?",
        "What did your body do for you today that you usually take for granted?",
        "Recall a hard moment you got through. What, or who, helped you reach the other side?",
        "What is one thing about yourself you can appreciate today, even if it feels awkward "
        "to say?",
        "Which place, ritual or object brings you comfort? Describe it in detail.",
        "What has therapy given you so far that you did not expect?",
    ),
    *_library(
        "coping",
        "What helped you get through the hardest part of this week, even a little?",
        "List the things that calm you when anxiety rises. Which could you reach for in under "
        "five minutes?",
        "What are your early warning signs that you are running low? What do you need when "
        "you notice them?",
        "Describe a coping habit you would like to lean on less. What does it give you, and "
        "what does it cost you?",
        "Write a short note to yourself to read on a hard day. What do you most need to hear?",
        "When did you last rest without feeling you had to earn it first? What would make "
        "room for that this week?",
        "Which skill from therapy have you tried since your last session? How did it go?",
    ),
)


def check_category(category: str) -> str:
    """A category name as the library spells it ("Self reflection" -> "self-reflection")."""
    name = "-".join(category.strip().lower().replace("_", " ").split())
    if name not in CATEGORIES:
        raise InvalidInput(
            f"a prompt category is one of {', '.join(CATEGORIES)}", subject=BAD_VALUE
        )
    return name


def library(category: str | None = None) -> list[Prompt]:
    """The built-in prompts, in library order, of one category or all."""
    wanted = check_category(category) if category is not None else None
    return [p for p in LIBRARY if wanted is None or p.category == wanted]


def library_prompt(prompt_id: str) -> Prompt | None:
    wanted = prompt_id.strip().lower()
    return next((p for p in LIBRARY if p.id == wanted), None)


def rank(
    prompts: Iterable[Prompt],
    answered: Mapping[str, int],
    now_ms: int,
    recent_days: int = RECENT_DAYS,
) -> list[Prompt]:
    """Prompts in the order to suggest them, each with `last_answered` filled in.

    `answered` maps a prompt id to when (ms) an entry last answered it. The order:

    1. a therapist's prompts not answered yet, newest first;
    2. library prompts not answered in the last `recent_days` days: never answered first,
       then the longest ago; among equals the library order, rotated by the day, so the
       suggestion changes from one day to the next;
    3. the rest (answered recently, or a therapist's already answered), oldest answer first.
    """
    candidates = list(prompts)
    recent_since = now_ms - recent_days * DAY_MS
    shift = (now_ms // DAY_MS) % max(len(candidates), 1)

    def key(indexed: tuple[int, Prompt]) -> tuple[int, int, int]:
        index, prompt = indexed
        last = answered.get(prompt.id)
        rotated = (index - shift) % len(candidates)
        if prompt.from_therapist and last is None:
            created = prompt.created_at.timestamp() if prompt.created_at else 0
            return (0, -int(created * 1000), rotated)
        if not prompt.from_therapist and (last is None or last < recent_since):
            return (1, last if last is not None else -1, rotated)
        return (2, last if last is not None else 0, rotated)

    ordered = sorted(enumerate(candidates), key=key)
    return [_with_answer(prompt, answered.get(prompt.id)) for _, prompt in ordered]


def _with_answer(prompt: Prompt, last: int | None) -> Prompt:
    return replace(prompt, last_answered=to_datetime(last) if last is not None else None)


def answered_at(answers: Iterable[tuple[str | None, datetime]]) -> dict[str, int]:
    """prompt id -> the latest time (ms) it was answered, from (prompt_id, written at) pairs."""
    latest: dict[str, int] = {}
    for prompt_id, written in answers:
        if prompt_id is None:
            continue
        moment = int(written.timestamp() * 1000)
        latest[prompt_id] = max(latest.get(prompt_id, moment), moment)
    return latest


def select(prompts: Sequence[Prompt], category: str | None) -> list[Prompt]:
    """Prompts of one category; a therapist's prompts have none, so they show only when no
    category is asked for."""
    if category is None:
        return list(prompts)
    wanted = check_category(category)
    return [p for p in prompts if p.category == wanted]
