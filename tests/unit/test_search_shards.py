"""How articles are split into search shards (sitegen/search/shards.py)."""

from __future__ import annotations

from sitegen.render.jobs import Searchable
from sitegen.search.shards import plan_shards


def _pages(days: list[str], digest: str = "d") -> list[tuple[str, Searchable]]:
    return [(f"s/{i:03}-{day}/index.html", Searchable(day, digest)) for i, day in enumerate(days)]


def _sizes(days: list[str], size: int) -> list[tuple[str, int]]:
    return [(s.period, len(s.pages)) for s in plan_shards(_pages(days), size, "salt")]


def test_small_years_pack_into_one_shard_and_names_carry_the_first_day() -> None:
    shards = plan_shards(_pages(["2024-05-01", "2025-01-02", "2026-03-04"]), 10, "salt")
    assert len(shards) == 1
    assert shards[0].name.startswith("2024-05-01-") and len(shards[0].pages) == 3


def test_a_big_year_is_split_into_quarters_months_then_days_newest_first() -> None:
    days = ["2025-01-10"] * 3 + ["2025-02-10"] * 3 + ["2025-07-01"] * 2 + ["2026-01-01"]
    assert _sizes(days, 4) == [("2026-01-01", 1), ("2025-07-01", 2), ("2025-02-10", 3),
                               ("2025-01-10", 3)]  # fmt: skip
    # A single day larger than a shard stays whole.
    assert _sizes(["2025-01-10"] * 5, 2) == [("2025-01-10", 5)]


def test_a_new_story_changes_only_the_newest_shard() -> None:
    days = [f"2025-{m:02}-0{d}" for m in range(1, 13) for d in range(1, 4)]
    before = plan_shards(_pages(days), 5, "salt")
    after = plan_shards(
        [*_pages(days), ("s/new/index.html", Searchable("2025-12-09", "d"))], 5, "salt"
    )
    assert [s.name for s in before][1:] == [s.name for s in after][1:]
    assert before[0].name != after[0].name and "s/new/index.html" in after[0].pages


def test_an_edit_renames_only_its_shard_and_the_salt_renames_all() -> None:
    days = [f"2025-{m:02}-01" for m in range(1, 13)]
    pages = _pages(days)
    before = plan_shards(pages, 3, "salt")
    pages[0] = (pages[0][0], Searchable(days[0], "edited"))
    after = plan_shards(pages, 3, "salt")
    changed = [a.name for a, b in zip(before, after, strict=True) if a.name != b.name]
    assert len(changed) == 1 and before[-1].name == changed[0]
    assert not {s.name for s in plan_shards(pages, 3, "other")} & {s.name for s in after}


def test_the_split_does_not_depend_on_input_order() -> None:
    pages = _pages([f"2025-{m:02}-01" for m in range(1, 13)] * 2)
    assert plan_shards(pages, 5, "s") == plan_shards(list(reversed(pages)), 5, "s")
