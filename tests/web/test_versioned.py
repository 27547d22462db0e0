"""A version after its name reads as one phrase, also when the name has brackets of its own."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation

from ketenzicht.ui.formats import versioned


def test_a_name_with_brackets_gets_no_second_pair() -> None:
    with translation.override("nl"):
        assert versioned("Ex-partnerstalking (verbeterde werkwijze)", 2) == (
            "Ex-partnerstalking (verbeterde werkwijze), versie 2"
        )
    with translation.override("en"):
        assert versioned("B-SAFER", 1) == "B-SAFER, version 1"


def test_the_template_tags_say_the_same() -> None:
    page = Template(
        "{% load kz_formats kz_process %}{% kz_versioned name 1 %} | {% kz_process_version process 3 %}"
    )
    with translation.override("nl"):
        text = page.render(
            Context({"name": "Screening (kort)", "process": "Ex-partnerstalking (werkwijze 2024)"})
        )
    assert text == "Screening (kort), versie 1 | Ex-partnerstalking (werkwijze 2024), versie 3"
