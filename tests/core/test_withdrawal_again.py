"""`documents.withdrawal_again` (rev-cut C1, protocol.md 4.19 "Withdrawals carried again"):
what a share with a member again carries of a withdrawal of that member's annotation. It must
hold the withdrawal alone: applied where the annotation is live it marks it withdrawn and
changes nothing the member wrote (the member's device refuses an owner's record that does),
and it carries none of the member's words."""

from __future__ import annotations

from client_sdk.documents import Document, withdrawal_again

NOTE = bytes(range(16))
WORDS = "Try the breathing exercise every morning."


def written() -> Document:
    """The member's note, as the member's device holds it."""
    note = Document(NOTE, "note", client_id=11)
    note.change(fields={"deleted": False, "updated_at": 1}, texts={"body": WORDS})
    return note


def test_an_owners_withdrawal_carried_again_marks_the_note_withdrawn_and_nothing_else() -> None:
    member = written()
    owner = Document.from_state(NOTE, "note", member.state(), client_id=22)
    owner.change(fields={"deleted": True, "updated_at": 2})  # the owner only marks it
    carried = withdrawal_again(owner)
    assert carried is not None
    assert WORDS.encode() not in carried and b"breathing" not in carried
    member.apply(carried)
    assert member.field("deleted") is True
    assert member.text("body") == WORDS  # what the member wrote is untouched


def test_a_withdrawal_by_the_member_carried_again_leaves_the_words_to_the_member() -> None:
    """Withdrawn by its author on another device (the text cleared): the carried structs
    hold no deleted range, so the device holding it live gets the mark, not the deletion
    of the words (an owner's record deleting them would be refused there)."""
    member = written()
    laptop = Document.from_state(NOTE, "note", member.state(), client_id=33)
    laptop.change(fields={"deleted": True, "updated_at": 3}, texts={"body": ""})
    carried = withdrawal_again(laptop)
    assert carried is not None
    member.apply(carried)
    assert member.field("deleted") is True
    assert member.text("body") == WORDS


def test_nothing_is_carried_when_no_client_wrote_a_removal_alone() -> None:
    """Created and withdrawn by one client: its structs hold the words, so it is left out."""
    note = written()
    note.change(fields={"deleted": True, "updated_at": 4})
    assert withdrawal_again(note) is None
