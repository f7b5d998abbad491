"""The shipped instrument text, pinned character by character.

The strings below were transcribed, not typed from memory: each was compared with the sources
listed in the instrument's `verified_against` (client_sdk/data/instruments/*.json), and what
could not be verified from a reachable source is said in its `sources`. A change to a data
file's wording fails here, so it cannot happen without someone re-checking the source.
"""

from __future__ import annotations

import pytest

from client_sdk.scoring import builtin_instruments, instrument

PFIZER = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
    "with an educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)
FREQUENCY = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
DIFFICULTY = ["Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult"]

PHQ9_STEM = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
PHQ9_ITEMS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite "
    "\u2014 being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
]
PHQ9_DIFFICULTY = (
    "If you checked off any problems, how difficult have these problems made it for you to do "
    "your work, take care of things at home, or get along with other people?"
)

GAD7_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?"
GAD7_ITEMS = [
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
]
GAD7_DIFFICULTY = (
    "If you checked any problems, how difficult have they made it for you to do your work, "
    "take care of things at home, or get along with other people?"
)

PCL5_INSTRUCTIONS = (
    "Below is a list of problems that people sometimes have in response to a very stressful "
    "experience. Please read each problem carefully and then circle one of the numbers to the "
    "right to indicate how much you have been bothered by that problem in the past month."
)
PCL5_STEM = "In the past month, how much were you bothered by:"
PCL5_OPTIONS = ["Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"]
PCL5_ITEMS = [
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    "Suddenly feeling or acting as if the stressful experience were actually happening again "
    "(as if you were actually back there reliving it)?",
    "Feeling very upset when something reminded you of the stressful experience?",
    "Having strong physical reactions when something reminded you of the stressful experience "
    "(for example, heart pounding, trouble breathing, sweating)?",
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    "Avoiding external reminders of the stressful experience (for example, people, places, "
    "conversations, activities, objects, or situations)?",
    "Trouble remembering important parts of the stressful experience?",
    "Having strong negative beliefs about yourself, other people, or the world (for example, "
    "having thoughts such as: I am bad, there is something seriously wrong with me, no one can "
    "be trusted, the world is completely dangerous)?",
    "Blaming yourself or someone else for the stressful experience or what happened after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    "Trouble experiencing positive feelings (for example, being unable to feel happiness or "
    "have loving feelings for people close to you)?",
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    'Being "superalert" or watchful or on guard?',
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
]
PCL5_FOOTER = (
    "PCL-5 (8/14/2013) Weathers, Litz, Keane, Palmieri, Marx, & Schnurr -- National Center for PTSD"
)


def test_phq9_is_the_official_english_form() -> None:
    phq9 = instrument("phq9")
    assert phq9.stem == PHQ9_STEM
    assert list(phq9.items) == PHQ9_ITEMS
    assert [o.label for o in phq9.options] == FREQUENCY
    assert phq9.unscored is not None and phq9.unscored.text == PHQ9_DIFFICULTY
    assert [o.label for o in phq9.unscored.options] == DIFFICULTY
    assert phq9.attribution == PFIZER
    assert phq9.instructions is None


def test_gad7_is_the_official_usa_form_without_a_difficulty_question() -> None:
    """REV-CLIN F2: the 'English for the USA' form asks no difficulty question; the one
    versions 1 and 2 asked (from the 1999 PRIME-MD form) is kept only to show old answers."""
    gad7 = instrument("gad7")
    assert gad7.stem == GAD7_STEM
    assert list(gad7.items) == GAD7_ITEMS
    assert [o.label for o in gad7.options] == FREQUENCY
    assert gad7.unscored is None and gad7.version == 3
    retired = gad7.retired_unscored
    assert retired is not None and retired.question.text == GAD7_DIFFICULTY
    assert [o.label for o in retired.question.options] == DIFFICULTY
    assert retired.until_version == 2 and "1999 PRIME-MD" in retired.shown_as
    assert gad7.attribution == PFIZER
    # the data says where the difficulty question comes from and that it was not on the form
    assert "NOT on the current" in gad7.sources["unscored"]


def test_pcl5_is_the_standard_past_month_form_of_2013() -> None:
    pcl5 = instrument("pcl5")
    assert pcl5.instructions == PCL5_INSTRUCTIONS
    assert pcl5.stem == PCL5_STEM
    assert list(pcl5.items) == PCL5_ITEMS
    assert [o.label for o in pcl5.options] == PCL5_OPTIONS
    assert [o.value for o in pcl5.options] == [0, 1, 2, 3, 4]
    assert pcl5.attribution == PCL5_FOOTER
    # item 18's punctuation could not be read from the VA PDF: the data says so
    assert "NOT verified" in pcl5.sources["item_18"]
    assert "public domain" in pcl5.licence


def test_no_stray_characters_in_the_text() -> None:
    """Only the characters the forms print: no curly quotes, no doubled or edge spaces; the
    only non-ASCII character is the em dash of PHQ-9 items 6 and 8."""
    for chosen in builtin_instruments().values():
        texts = [chosen.stem, *chosen.items, *(o.label for o in chosen.options)]
        if chosen.unscored is not None:
            texts += [chosen.unscored.text, *(o.label for o in chosen.unscored.options)]
        for text in texts:
            assert text == text.strip() and "  " not in text, text
            assert all(ord(c) < 128 or c == "\u2014" for c in text), text
            assert "\u2014" not in text or " \u2014 " in text, text


@pytest.mark.parametrize("name", ["phq9", "gad7", "pcl5"])
def test_every_instrument_names_what_it_was_verified_against(name: str) -> None:
    chosen = instrument(name)
    assert len(chosen.verified_against) >= 2
    for source in chosen.verified_against:
        assert source.title and source.url.startswith("https://") and source.how
        assert source.version and source.result
    for key in ("text", "bands", "caseness", "reliable_change"):
        assert chosen.sources[key]
    # the official host could not be reached: each definition says so instead of implying it
    assert "NOT reachable" in chosen.sources["text"]
