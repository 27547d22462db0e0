"""The prior does not slide with the register's size beyond the reference size."""

from __future__ import annotations

import math

import pytest

from ketenzicht.linking.engine.splink_settings import PRIOR_REFERENCE_MENTIONS, scale_free_prior


def test_below_the_reference_size_the_registers_own_estimate_is_kept() -> None:
    assert scale_free_prior(2e-4, 10_000) == pytest.approx(2e-4)  # FEBRL: a small register, many duplicates
    assert scale_free_prior(5.8e-6, 41_929) == pytest.approx(5.8e-6)


def test_above_it_the_same_mentions_per_person_give_the_same_prior_at_every_size() -> None:
    per_mention = 0.3  # other mentions of the same person, per mention
    at_reference = scale_free_prior(per_mention / (PRIOR_REFERENCE_MENTIONS - 1), PRIOR_REFERENCE_MENTIONS)
    for size in (300_000, 1_000_000, 30_000_000):
        estimated = per_mention / (size - 1)  # what training estimates: it falls with the size
        assert scale_free_prior(estimated, size) == pytest.approx(at_reference)
    # Estimated, the prior of a register three times as large weighs log2(3) = 1.58 less; here nothing.
    assert math.log2(scale_free_prior(per_mention / 299_999, 300_000) / at_reference) == pytest.approx(0)


def test_more_mentions_per_person_give_a_higher_prior() -> None:
    assert scale_free_prior(0.6 / 999_999, 1_000_000) == pytest.approx(
        2 * scale_free_prior(0.3 / 999_999, 1_000_000)
    )
