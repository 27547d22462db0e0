"""The demo's ZSM storyline: the stalking of Priscilla Sedney by her ex-partner Romano Wijngaarde, screened
by the police of Oost-Brabant and sent to the ZSM table of the district office Oost-Brabant today. The
file waits for victim support and probation (the demo users answer); Veilig Thuis's information and the
complaint (her report of the stalking) are in. See docs/demo.md, "The ZSM table"."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from ketenzicht.organisations.models import User
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.recording import SCREENING_RECORDED
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.services import case_assign_owner, case_record, case_take

from .services import demo_users_ensure

DEMO_ZSM_UNIT = "oost-brabant"
# His name as the case names it: the spelling of the registration that opened it (e.g. Wyngaarde).
DEMO_ZSM_SUSPECT = ("Wijngaarde", "Wyngaarde")
DEMO_ZSM_OWNER = "casusregisseur"
# What the case owner records on the way to the ZSM table, per step of either version of the process.
STEPS: tuple[tuple[str, dict[str, str | None]], ...] = (
    ("start_screening", {}),
    ("screened", {"urgency": "high", "stalking_indication": "yes"}),
    ("contact_victim", {"victim_contact_on": None}),
    (
        "agree_safety",
        {"safety_agreements": "Slachtoffer belt 112 bij contact; buurtbewoners weten van de auto van V."},
    ),
)


def demo_zsm_ensure() -> ZsmFile | None:
    """Send the storyline's police case to the ZSM table (once; safe to repeat). None when the storyline's
    case is not there (a demo register without it)."""
    screening = (
        ScreeningCase.objects.filter(unit__code=DEMO_ZSM_UNIT)
        .filter(Q(suspect_name__contains=DEMO_ZSM_SUSPECT[0]) | Q(suspect_name__contains=DEMO_ZSM_SUSPECT[1]))
        .select_related("case", "case__process_version")
        .order_by("-case_id")
        .first()
    )
    if screening is None:
        return None
    police_case = screening.case
    existing = ZsmFile.objects.filter(police_case=police_case).first()
    if existing is not None or police_case.closed_at is not None:
        return existing
    if not User.objects.filter(username=DEMO_ZSM_OWNER).exists():
        demo_users_ensure()
    owner = User.objects.get(username=DEMO_ZSM_OWNER)
    definition = definition_of(police_case.process_version)
    with transaction.atomic():
        if police_case.owner_id is None:  # the case owner who takes the steps below owns the case
            police_case = case_assign_owner(police_case, owner=owner, actor=owner, expected_version=None)
        if "screening_level" in definition.fields:
            police_case = case_record(
                police_case,
                values={"screening_level": "high"},
                actor=owner,
                expected_version=None,
                note="Open screening ex-partnerstalking: hoog (dagelijkse berichten, volgen, verhuizing).",
                what=SCREENING_RECORDED,
            )
        for step, values in STEPS:
            transition = definition.transition(step)
            if transition is None or police_case.state not in transition.sources:
                continue
            wanted = {
                name: (str(police_case.opened_at.date()) if value is None else value)
                for name, value in values.items()
                if name in definition.fields
            }
            police_case = case_take(police_case, step, actor=owner, expected_version=None, values=wanted)
        police_case = case_take(
            police_case,
            "send_to_zsm",
            actor=owner,
            expected_version=None,
            reason="Belaging door ex-partner sinds ruim een jaar, ook na verhuizing; aangifte 285b ligt er.",
        )
    return ZsmFile.objects.filter(police_case=police_case).first()
