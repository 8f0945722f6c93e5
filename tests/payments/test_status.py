"""Every (from, to) pair of the transition table."""

import itertools

import pytest

from payments.status import Status, can_transition

LEGAL = {
    ("9", "4"),
    ("9", "3"),
    ("9", "0"),
    ("9", "8"),
    ("9", "5"),
    ("9", "1"),
    ("3", "4"),
    ("3", "0"),
    ("3", "8"),
    ("3", "5"),
    ("3", "1"),
    ("4", "0"),
    ("4", "8"),
    ("4", "5"),
    ("4", "1"),
    ("0", "1"),
    ("0", "2"),
}


@pytest.mark.parametrize(("frm", "to"), list(itertools.product([s.value for s in Status], repeat=2)))
def test_transition_pair(frm, to):
    assert can_transition(frm, to) is ((frm, to) in LEGAL)


def test_final_and_open():
    assert {s for s in Status if s.is_final} == {
        Status.VOID,
        Status.REFUND,
        Status.EXPIRED,
        Status.FAILED,
        Status.PAID,
    }
    assert {s for s in Status if s.is_open} == {Status.INIT, Status.UNPAID, Status.PROCESSING}
    assert Status.INIT.word == "init" and Status.PAID.word == "paid"
