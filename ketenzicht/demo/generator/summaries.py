"""Summary texts: short Dutch texts in the register style, from templates in `data/summaries.yaml`.

A template may name the danger facts its text states (`{text: ..., facts: [threat_to_kill]}`): the truth a
campaign writes per registration (`summary_facts`), against which the screening desk's pre-fill is scored
(bench/screening.py --prefill)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .params import DATA_DIR

SLOT = re.compile(r"\{(\w+)\}")
PRONOUNS = {
    "zij": {"F": "zij", "M": "hij"},
    "haar_o": {"F": "haar", "M": "hem"},
    "haar_p": {"F": "haar", "M": "zijn"},
    "hij": {"F": "zij", "M": "hij"},
}
SENTENCE_START = re.compile(r"([.!?] )([a-z])")


@dataclass(frozen=True)
class Template:
    text: str
    slots: tuple[str, ...]
    facts: frozenset[str] = frozenset()  # what the text states: threat_to_kill, weapon


def _template(entry: Any) -> Template:
    """A template: its text, or a mapping {text, facts}."""
    text = str(entry["text"] if isinstance(entry, dict) else entry)
    facts = (
        frozenset(str(fact) for fact in entry.get("facts") or ()) if isinstance(entry, dict) else frozenset()
    )
    return Template(text, tuple(dict.fromkeys(SLOT.findall(text))), facts)


class Summaries:
    def __init__(self, path: Path = DATA_DIR / "summaries.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.slots: dict[str, list[str]] = {k: [str(v) for v in vs] for k, vs in data["slots"].items()}
        self.categories: dict[str, list[Template]] = {
            name: [_template(t) for t in templates] for name, templates in data["categories"].items()
        }
        for name, templates in self.categories.items():
            for template in templates:
                unknown = set(template.slots) - set(self.slots) - {"a", "ex", *PRONOUNS}
                if unknown:
                    raise ValueError(f"summary template of {name} uses unknown slots {sorted(unknown)}")

    def render(
        self,
        category: str,
        rng: random.Random,
        *,
        victim_sex: str = "F",
        suspect_sex: str = "M",
        escalation: bool = False,
        ex_word: str | None = None,
    ) -> str:
        return self.render_facts(
            category,
            rng,
            victim_sex=victim_sex,
            suspect_sex=suspect_sex,
            escalation=escalation,
            ex_word=ex_word,
        )[0]

    def render_facts(
        self,
        category: str,
        rng: random.Random,
        *,
        victim_sex: str = "F",
        suspect_sex: str = "M",
        escalation: bool = False,
        ex_word: str | None = None,
    ) -> tuple[str, frozenset[str]]:
        """The text and the danger facts its templates state (the same draws as `render`)."""
        templates = self.categories[category]
        template = templates[int(rng.random() * len(templates))]
        text = self._fill(template, rng, victim_sex, suspect_sex, ex_word)
        facts = template.facts
        if escalation:
            extra = self.categories["escalation"]
            line = extra[int(rng.random() * len(extra))]
            text += " " + self._fill(line, rng, victim_sex, suspect_sex, ex_word)
            facts = facts | line.facts
        return text, facts

    def _fill(
        self, template: Template, rng: random.Random, victim_sex: str, suspect_sex: str, ex_word: str | None
    ) -> str:
        if not template.slots:
            return template.text
        values: dict[str, str] = {}
        for slot in template.slots:
            if slot == "a":
                values[slot] = "aangeefster" if victim_sex == "F" else "aangever"
            elif slot in PRONOUNS:
                sex = suspect_sex if slot == "hij" else victim_sex
                values[slot] = PRONOUNS[slot].get(sex, PRONOUNS[slot]["F"])
            elif slot == "ex" and ex_word:
                values[slot] = ex_word
            elif slot == "ex":
                values[slot] = rng.choice(
                    ("ex-partner", "ex-vriend", "ex-man")
                    if suspect_sex == "M"
                    else ("ex-partner", "ex-vriendin", "ex-vrouw")
                )
            else:
                options = self.slots[slot]
                values[slot] = options[int(rng.random() * len(options))]
        text = SENTENCE_START.sub(_upper, template.text.format_map(values))
        return text[0].upper() + text[1:]


def _upper(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2).upper()
