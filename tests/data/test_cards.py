"""Dataset cards against Table I of the paper (../shared/seeds, section III)."""

import dataclasses

import pytest

from microsr_bench import list_benchmarks
from microsr_bench.data import get_card
from microsr_bench.errors import UnknownNameError

# Table I: pairs per split (train, validation, test, total).
TABLE_I = {
    "MITO": (3600, 1100, 300, 5000),
    "MPM": (3600, 1100, 2400, 7100),
    "MEM": (3600, 1100, 1900, 6600),
    "NUC": (3600, 1100, 1800, 6500),
}


def test_list_benchmarks_in_paper_order():
    assert list_benchmarks() == ["MITO", "MPM", "MEM", "NUC"]


@pytest.mark.parametrize("name", list(TABLE_I))
def test_cards_match_table_one(name):
    card = get_card(name)
    train, validation, test, total = TABLE_I[name]
    assert (card.pairs("train"), card.pairs("validation"), card.pairs("test")) == (train, validation, test)
    assert card.total_pairs == total
    assert card.frames_per_hr == 100
    assert card.lr_shape == (256, 256) and card.hr_shape == (512, 512) and card.scale == 2
    assert card.max_value == 4095  # 12-bit converter


def test_total_images_match_section_three():
    # Section III: 252 HR images and 25,200 LR images in all.
    cards = [get_card(n) for n in TABLE_I]
    assert sum(c.hr_images.total for c in cards) == 252
    assert sum(c.total_pairs for c in cards) == 25200


def test_acquisition_modes():
    assert get_card("MPM").acquisition == "multiphoton"
    assert {get_card(n).acquisition for n in ("MITO", "MEM", "NUC")} == {"confocal-1p"}


def test_cards_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_card("MITO").frames_per_hr = 5  # type: ignore[misc]


def test_unknown_name_lists_valid_names_and_closest():
    with pytest.raises(UnknownNameError, match=r"Unknown dataset 'MITOO'.*MEM, MITO, MPM, NUC.*Did you mean 'MITO'"):
        get_card("MITOO")


def test_unknown_name_is_case_insensitive_hint():
    with pytest.raises(UnknownNameError, match="Did you mean 'NUC'"):
        get_card("nuc")
