"""A process's copies (livrili/core/process_copies.py): used under their tag, for their maximum
age, within their size; cleared together between tests."""

from livrili.core import process_copies
from livrili.core.process_copies import ProcessCopies


def test_a_copy_is_used_only_under_its_tag_and_within_its_age(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(process_copies.time, "monotonic", lambda: now[0])
    copies = ProcessCopies(size=10, max_age=lambda: 60)
    copies.keep("a", b"row", tag=7)

    assert (copies.get("a", 7), copies.get("a", 8), copies.get("a"), copies.get("b", 7)) == (b"row", None, None, None)
    now[0] += 60
    assert copies.get("a", 7) == b"row"
    now[0] += 0.001
    assert copies.get("a", 7) is None


def test_past_its_size_the_copies_start_again_from_none():
    copies = ProcessCopies(size=2, max_age=lambda: 60)
    copies.keep("a", 1)
    copies.keep("b", 2)
    copies.keep("c", 3)

    assert (len(copies), copies.get("a"), copies.get("c")) == (1, None, 3)


def test_forget_all_clears_every_instance():
    first, second = ProcessCopies(size=5, max_age=lambda: 60), ProcessCopies(size=5, max_age=lambda: 60)
    first.keep("a", 1)
    second.keep("b", 2)

    process_copies.forget_all()

    assert (len(first), len(second)) == (0, 0)


def test_many_at_once_untagged():
    copies = ProcessCopies(size=5, max_age=lambda: 60)
    copies.keep_many({"a": 1, "b": 2})
    copies.keep("c", 3, tag=1)

    assert copies.get_many(["a", "b", "c", "d"]) == {"a": 1, "b": 2}
