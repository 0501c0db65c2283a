"""A page counts its list only when the total is read, and only once."""

from __future__ import annotations

from application.shared.ports import Page


class Tally:
    """A count function that remembers how often it ran."""

    def __init__(self, answer: int) -> None:
        self.answer = answer
        self.runs = 0

    def __call__(self) -> int:
        self.runs += 1
        return self.answer


def test_a_page_read_without_its_total_never_counts() -> None:
    count = Tally(42)
    page = Page(["a", "b"], ["cursor-a", "cursor-b"], True, count)

    assert (page.items, page.end_cursor, page.has_next_page) == (["a", "b"], "cursor-b", True)
    assert count.runs == 0


def test_a_page_counts_once_however_often_its_total_is_read() -> None:
    count = Tally(42)
    page = Page(["a"], ["cursor-a"], False, count)

    assert [page.total_count, page.total_count, page.count()] == [42, 42, 42]
    assert count.runs == 1
