"""The one cache style: bounded, keyed by content, thread-safe."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from openskies.caching import BoundedCache, cached
from openskies.errors import OptionsError
from openskies.treaty.loading import load_treaty


def test_eight_threads_get_right_results_and_the_bound_holds() -> None:
    @cached(maxsize=4)
    def square(n: int) -> tuple[int, int]:
        return (n, n * n)

    barrier = threading.Barrier(8)
    sizes: list[int] = []

    def hammer(worker: int) -> list[tuple[int, int]]:
        barrier.wait()
        answers = []
        for step in range(400):
            n = (worker + step) % 12
            answers.append(square(n))
            sizes.append(len(square.cache))  # type: ignore[attr-defined]
        return answers

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(hammer, range(8)))
    for worker, answer in enumerate(answers):
        ns = [(worker + step) % 12 for step in range(400)]
        assert answer == [(n, n * n) for n in ns]
    assert max(sizes) == 4


def test_each_key_is_built_once_under_contention() -> None:
    calls: list[str] = []
    cache: BoundedCache[str, int] = BoundedCache(8)
    barrier = threading.Barrier(8)

    def build() -> int:
        calls.append("built")
        return 42

    def ask(_: int) -> int:
        barrier.wait()
        return cache.get("answer", build)

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(ask, range(8))) == [42] * 8
    assert calls == ["built"]


def test_the_least_recently_used_value_goes_first() -> None:
    cache: BoundedCache[str, str] = BoundedCache(2)
    cache.get("a", lambda: "A")
    cache.get("b", lambda: "B")
    assert cache.get("a", lambda: "new A") == "A"  # "a" is now the most recent
    cache.get("c", lambda: "C")
    assert len(cache) == 2
    assert cache.get("b", lambda: "new B") == "new B"
    assert cache.get("c", lambda: "new C") == "C"


def test_a_failed_build_keeps_nothing() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)

    def fail() -> int:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        cache.get("x", fail)
    assert len(cache) == 0
    assert cache.get("x", lambda: 1) == 1


def test_keys_compare_by_content() -> None:
    @cached(maxsize=2)
    def total(values: tuple[int, ...]) -> int:
        return sum(values)

    first = total((1, 2, 3))
    assert total(tuple(range(1, 4))) == first == 6
    assert len(total.cache) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [0, -1, True, 1.5])
def test_a_cache_needs_a_positive_size(size: object) -> None:
    with pytest.raises(OptionsError, match="maxsize must be an integer >= 1"):
        BoundedCache(size)  # type: ignore[arg-type]


def test_territory_unions_are_shared_across_threads() -> None:
    treaty = load_treaty()
    states = ("BEL", "LUX", "NLD")

    def union(_: int) -> object:
        return treaty.union_territory(states)

    with ThreadPoolExecutor(8) as pool:
        shapes = list(pool.map(union, range(16)))
    assert all(shape is shapes[0] for shape in shapes)
    assert shapes[0].equals(treaty.union_territory(("NLD", "BEL", "LUX")))


def test_neighbours_are_kept_by_content_and_answer_the_view() -> None:
    treaty = load_treaty()
    view = treaty.as_of("2019-06-01")
    party = view.party("BLR")
    first = treaty.neighbours(party.states, view.members)
    assert first == view.adjacent_non_parties(party.code)
    assert {"CHN", "PRK"} <= set(first)
    assert "POL" not in first
    own = treaty.neighbours(("BLR",), view.members)
    assert view.adjacent_non_parties("BLR") == own
    assert set(own) < set(first)
    again = treaty.neighbours(tuple(reversed(party.states)), list(view.members))
    assert again is first
    assert treaty.state_codes | treaty.party_codes == treaty.known_codes
    assert "BENELUX" in treaty.party_codes - treaty.state_codes


def test_a_cache_pickles_empty_with_its_size() -> None:
    import pickle

    from openskies.caching import BoundedCache

    cache: BoundedCache[int, int] = BoundedCache(3)
    assert cache.get(1, lambda: 10) == 10
    copy = pickle.loads(pickle.dumps(cache))
    assert (copy.maxsize, len(copy), len(cache)) == (3, 0, 1)
    assert copy.get(1, lambda: 11) == 11  # built again on the other side
