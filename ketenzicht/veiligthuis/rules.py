"""The Veilig Thuis routing rules and chain protocol (data/chain_rules.yaml), validated by pydantic."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ketenzicht.datafile import validated
from ketenzicht.registrations.models import Kind, RelationKind, Source
from ketenzicht.workprocesses.engine.definition import DeadlineUnit

PATH = Path(__file__).resolve().parent / "data" / "chain_rules.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    nl: str
    en: str


class Reason(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Label
    relations: tuple[RelationKind, ...] = ()
    offences: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()


class Routing(_Strict):
    sources: tuple[Source, ...] = Field(min_length=1)
    reasons: tuple[Reason, ...] = Field(min_length=1)
    route_by: tuple[Literal["children", "victim", "registration"], ...] = Field(min_length=1)


class Term(_Strict):
    amount: int = Field(gt=0, le=1000)
    unit: DeadlineUnit
    setting: str | None = None


class Alerted(_Strict):
    alert: Literal["police_case_owner", "vt_assessor", "none"]


class RisingRisk(_Strict):
    alert: Literal["police_case_owner", "vt_assessor", "none"]
    urgency: tuple[str, ...] = ()
    violent_offence: bool = False
    kinds: tuple[Kind, ...] = ()
    recent_days: int = Field(default=7, gt=0)


class Protocol(_Strict):
    feedback_term: Term
    # The feedback term of a notification the police handed over as acute (the police case's urgency): Veilig
    # Thuis acts on acute unsafety at once. None: the feedback term holds for it too.
    acute_feedback_term: Term | None = None
    # Working days after the day a notification's assessment term passed during which a new hand-off of its
    # registration still joins it; after them a new notification takes it over (services.being_worked).
    takeover_grace_working_days: int = Field(ge=0, le=20, strict=True)
    # Days within which a new police registration about the pair of an open notification joins it (or takes
    # it over) instead of opening its own (services.notifications_route); an older one is history.
    join_recent_days: int = Field(gt=0, le=60, strict=True)
    acute_unsafety: Alerted
    feedback: Alerted
    no_feedback: Alerted
    rising_risk: RisingRisk


class ChainRules(_Strict):
    dataset: Literal["vt_chain_rules"]
    version: str
    routing: Routing
    protocol: Protocol
    content_hash: str = ""

    def reason(self, code: str) -> Reason | None:
        return next((r for r in self.routing.reasons if r.code == code), None)


@functools.cache
def chain_rules(path: Path = PATH) -> ChainRules:
    raw = path.read_bytes()
    rules = validated(ChainRules, yaml.safe_load(raw), str(path))
    return rules.model_copy(update={"content_hash": hashlib.sha256(raw).hexdigest()})
