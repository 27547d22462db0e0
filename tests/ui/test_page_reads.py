"""A page's memo (`ui.page_reads`): a read the page makes from several places is read once while the page's
block runs, on the objects the page opened it on; outside the block (another request, a service) it is
read each time, and nothing is kept after it."""

from __future__ import annotations

from ketenzicht.ui.page_reads import once, page_reads


class _Loaded:
    """Stands for what a request loaded: the case it shows, its user."""


def test_a_read_is_read_once_while_the_page_runs_and_again_after_it() -> None:
    case, user, other = _Loaded(), _Loaded(), _Loaded()
    reads: list[str] = []

    def read(what: str) -> str:
        reads.append(what)
        return f"{what}-{len(reads)}"

    assert once(case, "persons", lambda: read("persons")) == "persons-1"
    assert once(case, "persons", lambda: read("persons")) == "persons-2"  # no page open: read each time
    with page_reads(case, user):
        first = once(case, "persons", lambda: read("persons"))
        assert once(case, "persons", lambda: read("persons")) == first == "persons-3"
        assert (
            once(case, "screening", lambda: read("screening")) == "screening-4"
        )  # another key, its own read
        assert once(user, "persons", lambda: read("names")) == "names-5"  # another holder, its own memo
        assert once(other, "persons", lambda: read("other")) == "other-6"  # not opened on: read each time
        assert once(other, "persons", lambda: read("other")) == "other-7"
        with page_reads(case):  # an inner block keeps the outer page's memo
            assert once(case, "persons", lambda: read("persons")) == "persons-3"
        assert once(case, "persons", lambda: read("persons")) == "persons-3"
    # The page is done: nothing kept for the next request.
    assert once(case, "persons", lambda: read("persons")) == "persons-8"
    assert once(user, "persons", lambda: read("names")) == "names-9"


def test_the_memo_is_dropped_when_the_page_fails() -> None:
    case = _Loaded()
    try:
        with page_reads(case):
            once(case, "persons", lambda: "old")
            raise RuntimeError("the page failed")
    except RuntimeError:
        pass
    assert once(case, "persons", lambda: "new") == "new"
