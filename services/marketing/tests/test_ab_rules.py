"""A/B tests' rules: a reproducible random split in equal parts, the winner by rate."""

from crm_marketing.campaigns.ab import VariantFigures, split, winner

PEOPLE = [f"c{n:02d}" for n in range(20)]


def test_a_share_of_the_audience_split_equally_and_the_rest_held() -> None:
    parts = split(PEOPLE, ["A", "B"], 0.5, seed="campaign-1")
    assert [len(parts.tested["A"]), len(parts.tested["B"]), len(parts.held)] == [5, 5, 10]
    everyone = parts.tested["A"] + parts.tested["B"] + parts.held
    assert sorted(everyone) == PEOPLE
    assert split(PEOPLE, ["A", "B"], 0.5, seed="campaign-1") == parts  # reproducible
    assert split(PEOPLE, ["A", "B"], 0.5, seed="campaign-2") != parts  # but random


def test_every_variant_gets_someone_and_a_whole_share_holds_nobody() -> None:
    small = split(PEOPLE[:3], ["A", "B", "C"], 0.1, seed="s")
    assert all(len(part) == 1 for part in small.tested.values())
    assert split(PEOPLE, ["A", "B"], 1.0, seed="s").held == []


def test_the_best_rate_wins_then_the_bigger_then_the_first() -> None:
    figures = {"A": VariantFigures(100, 10), "B": VariantFigures(50, 10)}
    assert winner(figures, ["A", "B"]) == "B"
    tie = {"A": VariantFigures(10, 1), "B": VariantFigures(20, 2)}
    assert winner(tie, ["A", "B"]) == "B"
    assert winner({}, ["A", "B", "C"]) == "A"
