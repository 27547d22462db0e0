"""The danger facts a planted campaign's summaries state (a threat to kill, a weapon) are in its truth, one
list per registration: what the screening desk's pre-fill is scored against (bench/screening.py)."""

from __future__ import annotations

import random

import pytest

from ketenzicht.demo.generator.summaries import Summaries
from tests.demo.conftest import DataSet


@pytest.mark.slow  # twenty thousand generated registrations: CI and TESTS=all
def test_each_campaign_registration_has_the_facts_its_summary_states(demo_set: DataSet) -> None:
    summary_of = {(r["source"], r["reference"]): r.get("summary", "") for r in demo_set.registrations}
    campaigns = [p for p in demo_set.facts("pattern") if "storyline" not in p]
    assert campaigns
    stated = {"threat_to_kill": 0, "weapon": 0}
    for campaign in campaigns:
        assert len(campaign["summary_facts"]) == len(campaign["registrations"])
        for (source, reference), facts in zip(
            campaign["registrations"], campaign["summary_facts"], strict=True
        ):
            text = summary_of[(source, reference)].lower()
            for fact in facts:
                stated[fact] += 1
            if "vermoorden" in text or "dood zou maken" in text:
                assert "threat_to_kill" in facts, text
            if "bij zich" in text or "toonde een" in text:
                assert "weapon" in facts, text
            if not facts:
                assert "vermoorden" not in text and "toonde een" not in text
    assert stated["threat_to_kill"] > 0 and stated["weapon"] > 0


def test_render_draws_the_same_text_with_or_without_its_facts() -> None:
    summaries = Summaries()
    texts = [summaries.render("stalking_285", random.Random(seed), escalation=True) for seed in range(50)]
    with_facts = [
        summaries.render_facts("stalking_285", random.Random(seed), escalation=True) for seed in range(50)
    ]
    assert texts == [text for text, _facts in with_facts]
    assert any(facts for _text, facts in with_facts) and not all(facts for _text, facts in with_facts)
