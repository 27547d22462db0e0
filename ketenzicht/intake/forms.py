"""The registrar's web form. It only shapes input; the intake pipeline validates and stores."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Municipality, Organisation
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.registrations.exchange import Problem, compact_bsn
from ketenzicht.registrations.forms import OffenceMultipleChoiceField
from ketenzicht.registrations.models import Kind, MentionRole, Offence, RelationKind, Sex
from ketenzicht.ui.forms import NldsFormMixin

MAX_PERSONS = 20
NAME_FIELDS = ("given_names", "surname_prefix", "surname")

ADDRESS_FIELDS = ("street", "house_number", "house_number_suffix", "postcode", "city")
PERSON_FIELDS = (
    "given_names",
    "surname_prefix",
    "surname",
    "birth_date",
    "sex",
    "bsn",
    *ADDRESS_FIELDS,
    "phone",
)


class RegistrationForm(NldsFormMixin, forms.Form):
    # A reference fixed with the form's token when the empty form is issued (form_tokens.py): the form
    # comes back with it after Back or a reload.
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        help_text=_(
            "Filled in with a new number of your own organisation. Keep it, or type the reference of your "
            "own system: it must start with your organisation's prefix and a dash, as the one filled in does."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    occurred_at = forms.DateTimeField(
        label=_("Occurred at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        to_field_name="code",
        help_text=_("Where it happened; required for a report (aangifte) or a complaint (klacht)."),
    )
    offences = OffenceMultipleChoiceField(
        label=_("Offences"),
        queryset=Offence.objects.all(),
        required=False,
        to_field_name="article",
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happened; required for a report (aangifte) or a complaint (klacht)."),
    )

    def __init__(self, *args: Any, unit: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        municipalities = Municipality.objects.all()
        field = self.fields["municipality"]
        if unit is not None and unit.kind == OrganisationKind.VEILIG_THUIS:
            # A Veilig Thuis organisation registers only for the municipalities it serves: no other is
            # offered (nor taken).
            field.queryset = served = municipalities.filter(vt_region=unit)
            field.required = True  # it decides which police unit the report goes to
            field.help_text = _(
                "Where it happened; required: it decides the police unit the notification goes to."
            )
            self.fields["summary"].help_text = _("What happened.")
            field.choices = [("", _("Make a choice"))] + [(m.code, m.name) for m in served]
            # What it sends the police under its right to report is a notification: a report (aangifte) or
            # a complaint (klacht) is the victim's to make, at the police.
            self.fields["kind"].choices = [(Kind.MELDING, Kind.MELDING.label)]
            self.fields["kind"].initial = Kind.MELDING
        elif unit is not None:
            # A police unit registers an incident wherever it happened: its own municipalities first, where
            # its registrar nearly always works, the others apart under a heading of their own.
            field.queryset = municipalities
            own = [(m.code, m.name) for m in municipalities.filter(police_unit=unit)]
            others = [(m.code, m.name) for m in municipalities.exclude(police_unit=unit)]
            field.choices = [
                ("", _("Make a choice")),
                (_("Municipalities of your unit"), own),
                (_("Other municipalities"), others),
            ]
        else:
            field.queryset = municipalities

    def statement_incomplete(self) -> bool:
        """Marks what a report (aangifte) or a complaint (klacht) left out, and says whether it marked any.
        Such a kind is the victim's statement to the police about an offence: it names at least one
        offence, the municipality where it happened (its Veilig Thuis region and police unit follow from it)
        and what happened. Each one missing is said at its own field; a field with a mistake of its own
        keeps that one. Marked after the form is checked, as the nameless persons are (`persons_unnamed`):
        the rest is then checked as storing would, so that every mistake shows at once. The exchange format
        leaves them optional (a feed's notification or incident may have none): the form's rule."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        if data.get("kind") not in STATEMENT_KINDS:
            return False
        marked = False
        for name, message in STATEMENT_REQUIRED.items():
            if name not in self.errors and not data.get(name):
                # Put beside the field, not through add_error: the cleaned value stays for the check.
                self.errors.setdefault(name, self.error_class(renderer=self.renderer)).append(
                    forms.ValidationError(message, code="required_for_kind")
                )
                marked = True
        return marked


# The kinds that are a statement to the police about an offence (see RegistrationForm.clean); a notification
# (melding), an incident record or a breach of a measure may come before anyone knows the offence or place.
STATEMENT_KINDS = frozenset({Kind.AANGIFTE, Kind.KLACHT})
STATEMENT_REQUIRED = {
    "municipality": _("Choose the municipality where it happened: a report or complaint always names it."),
    "offences": _("Tick at least one offence: a report or complaint always names one."),
    "summary": _("Describe what happened: a report or complaint always has a summary."),
}


DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
YEAR_ONLY = re.compile(r"^\d{4}$")


class PersonForm(NldsFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MentionRole.choices)
    given_names = forms.CharField(label=_("Given names or initials"), required=False, max_length=200)
    surname_prefix = forms.CharField(label=_("Prefix"), required=False, max_length=40)
    surname = forms.CharField(label=_("Surname"), required=False, max_length=200)
    birth_date = forms.CharField(
        label=_("Date of birth"),
        required=False,
        max_length=10,
        help_text=_("DD-MM-YYYY or YYYY-MM-DD; 00 for an unknown day or month, or the year alone"),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("Choose a sex")), *Sex.choices], required=False)
    bsn = forms.CharField(label=_("BSN"), required=False, max_length=20)
    street = forms.CharField(label=_("Street"), required=False, max_length=200)
    house_number = forms.CharField(label=_("House number"), required=False, max_length=20)
    house_number_suffix = forms.CharField(label=_("Suffix"), required=False, max_length=20)
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=10)
    city = forms.CharField(label=_("City"), required=False, max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)

    def clean_birth_date(self) -> str:
        """The date as the exchange format writes it (YYYY-MM-DD, 00 for an unknown part), also when typed
        the Dutch way (DD-MM-YYYY, with dashes, slashes or dots) or as a year alone; anything else is left
        for the format's own check, which names the field."""
        raw = str(self.cleaned_data.get("birth_date") or "").strip()
        dutch = DUTCH_DATE.match(raw)
        if dutch:
            day, month, year = dutch.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
        if YEAR_ONLY.match(raw):
            return f"{raw}-00-00"
        return raw

    def clean_bsn(self) -> str:
        """A BSN of nine digits that fails the 11-check is refused here, at its field: the registrar can
        correct the digit while the person is in front of them (a file or an API call keeps it, flagged, as
        the exchange format says). Anything else that is no BSN is left for the format's own check."""
        raw = str(self.cleaned_data.get("bsn") or "").strip()
        if not raw:
            return raw
        try:
            compact, passes = compact_bsn(raw)
        except Problem:
            return raw
        if not passes:
            raise forms.ValidationError(
                _(
                    "%(bsn)s fails the 11-check, so a digit is probably mistyped. Check the number, or leave "
                    "the field empty if you are not sure."
                ),
                code="bsn_check",
                params={"bsn": compact},
            )
        return raw

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(name) for name in PERSON_FIELDS)

    def names_someone(self) -> bool:
        """A name or a date of birth: what a person needs to be stored (and linked)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return any(data.get(name) for name in (*NAME_FIELDS, "birth_date"))


def person_labels(data: Any, count: int) -> list[str]:
    """How a relation row names the persons on the page: "Person 2: Sandra Verbeek (victim)", from what was
    typed in the person fieldsets (`data`: the posted or sent fields); "Person 2" while nothing is typed.
    The page's script (static/ketenzicht/registration-form.js) keeps them current while typing."""
    roles = dict(MentionRole.choices)
    labels = []
    for i in range(count):
        typed = [str(data.get(f"persons-{i}-{name}", "") or "").strip() for name in ("role", *NAME_FIELDS)]
        name = " ".join(part for part in typed[1:] if part)
        role = str(roles.get(typed[0], "")).lower()
        label = _("Person %(n)s") % {"n": i + 1}
        if name:
            label = f"{label}: {name}"
        if name and role:
            label = f"{label} ({role})"
        labels.append(label)
    return labels


class RelationForm(NldsFormMixin, forms.Form):
    from_ref = forms.CharField(label=_("From person"), required=False)
    kind = forms.ChoiceField(
        label=_("Relation"), choices=[("", _("Choose a relation")), *RelationKind.choices], required=False
    )
    to_ref = forms.CharField(label=_("To person"), required=False)

    def __init__(
        self, *args: Any, person_count: int = 2, labels: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        names = labels if labels is not None else person_labels({}, person_count)
        choices = [("", _("Choose a person"))] + [(f"p{i}", label) for i, label in enumerate(names, start=1)]
        for name in ("from_ref", "to_ref"):
            self.fields[name].widget = forms.Select(
                choices=choices, attrs={"class": "utrecht-select utrecht-select--html-select"}
            )

    def mark(self, field: str, message: str) -> None:
        """`message` at `field`, also on the unbound form that shows the page again after a removal (Django's
        add_error takes the field out of the cleaned data, which an unbound form has none of)."""
        if not self.is_bound and not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}
        self.add_error(field, message)

    def is_blank(self) -> bool:
        """Empty, or the prefilled row (person 1 to person 2) left as it was: no relation given."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not self.has_changed() or not any(data.get(name) for name in ("from_ref", "kind", "to_ref"))


# The form opens with a suspect, a victim and a relation row between them, the common case.
PERSONS_INITIAL = [{"role": "suspect"}, {"role": "victim"}]
RELATIONS_INITIAL = [{"from_ref": "p1", "to_ref": "p2"}]


def default_role(index: int) -> str:
    """The role the person fieldset at `index` opens with: the first two as the form opens (suspect, victim),
    one added on the page the select's first choice (it has no empty choice)."""
    if index < len(PERSONS_INITIAL):
        return PERSONS_INITIAL[index]["role"]
    return str(MentionRole.choices[0][0])


def persons_unnamed(persons: Any, relations: Any) -> bool:
    """Marks every person fieldset that is in use but names nobody, and says whether it marked any. In use: a
    field filled in, a role other than the one it opened with, or a relation to it. A fieldset left as it
    opened is no person and is left out; one in use without a name or a date of birth would be dropped
    without a word (or stored without anything to link it by), so the registration is not stored."""
    related = {
        relation.cleaned_data.get(end)
        for relation in relations.forms
        if hasattr(relation, "cleaned_data") and not relation.is_blank()
        for end in ("from_ref", "to_ref")
    }
    marked = False
    for index, person in enumerate(persons.forms):
        if not hasattr(person, "cleaned_data") or person.names_someone():
            continue
        role = person.cleaned_data.get("role")
        in_use = not person.is_blank() or f"p{index + 1}" in related
        if in_use or (role and role != default_role(index)):
            person.add_error("surname", _("Fill in a name or a date of birth, or leave this person empty"))
            marked = True
    return marked


class BasePersonFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        """A registration is about someone: a form whose every person fieldset is left as it opened names
        nobody. Said with the other fields' mistakes (the registration's own too), not after them; a person
        with mistakes of its own is in use, and says those."""
        if any(self.errors):
            return
        if not any(
            not person.is_blank() or person.cleaned_data.get("role") != default_role(index)
            for index, person in enumerate(self.forms)
        ):
            raise forms.ValidationError(
                _("Fill in at least one person: a name or a date of birth."), code="no_person"
            )


PersonFormSet = forms.formset_factory(
    PersonForm,
    formset=BasePersonFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_PERSONS,
    validate_max=True,
)
RelationFormSet = forms.formset_factory(RelationForm, extra=0, max_num=MAX_PERSONS * 2, validate_max=True)


def to_exchange(
    form: RegistrationForm, persons: Any, relations: Any, *, unit: Organisation | None, registered_at: str
) -> tuple[dict[str, Any], dict[int, int], dict[int, int]]:
    """The form as one exchange-format registration, and maps from list position back to form index."""
    data = form.cleaned_data
    # A police unit registers as the police; Veilig Thuis as itself (its right to report), placed by the
    # municipality, with no police unit.
    source = unit.kind if unit is not None and unit.kind != OrganisationKind.POLITIE else "politie"
    registration: dict[str, Any] = {
        "source": source,
        "reference": data["reference"],
        "kind": data["kind"],
        "registered_at": registered_at,
        "unit": unit.code if unit is not None and source == "politie" else "",
        "offences": [o.article for o in data["offences"]],
        "summary": data["summary"],
        "persons": [],
        "relations": [],
    }
    if data.get("occurred_at"):
        registration["occurred_at"] = data["occurred_at"].isoformat()
    if data.get("municipality"):
        registration["municipality"] = data["municipality"].code
        if source == "veilig_thuis":  # a report to the police: to the unit of its municipality
            registration["unit"] = data["municipality"].police_unit.code
    person_index: dict[int, int] = {}
    for index, person_form in enumerate(persons.forms):
        if person_form.is_blank():
            continue
        p = person_form.cleaned_data
        person: dict[str, Any] = {"ref": f"p{index + 1}", "role": p["role"]}
        for name in ("given_names", "surname_prefix", "surname", "birth_date", "sex", "bsn", "phone"):
            if p.get(name):
                person[name] = p[name]
        if "surname" not in person:
            person["surname"] = ""
        address = {name: p[name] for name in ADDRESS_FIELDS if p.get(name)}
        if address:
            person["address"] = address
        person_index[len(registration["persons"])] = index
        registration["persons"].append(person)
    relation_index: dict[int, int] = {}
    for index, relation_form in enumerate(relations.forms):
        if relation_form.is_blank():
            continue
        r = relation_form.cleaned_data
        relation_index[len(registration["relations"])] = index
        registration["relations"].append({"from": r["from_ref"], "to": r["to_ref"], "kind": r["kind"]})
    return registration, person_index, relation_index


# --- a block removed: the form again as typed, without one person or relation ------------------------------

REMOVE_PERSON = "remove_person"
REMOVE_RELATION = "remove_relation"
RELATION_FIELDS = ("from_ref", "kind", "to_ref")
REGISTRATION_FIELDS = ("reference", "kind", "occurred_at", "municipality", "summary")
_REF = re.compile(r"^p(\d+)$")


def typed_registration(data: Any) -> dict[str, Any]:
    """The registration's own fields as posted (`data`: a QueryDict), as the initial values of a form."""
    typed: dict[str, Any] = {name: data.get(name, "") for name in REGISTRATION_FIELDS}
    typed["offences"] = data.getlist("offences")
    return typed


def typed_blocks(
    data: Mapping[str, Any], prefix: str, names: tuple[str, ...], count: int
) -> list[dict[str, str]]:
    """The fieldsets of a formset as posted (`count` of them), each as {field: what was typed}."""
    return [
        {name: str(data.get(f"{prefix}-{index}-{name}", "") or "") for name in names}
        for index in range(count)
    ]


def flat(prefix: str, blocks: list[dict[str, str]]) -> dict[str, str]:
    """Blocks as a formset posts them ("persons-0-surname"), for `person_labels`."""
    return {
        f"{prefix}-{index}-{name}": value
        for index, block in enumerate(blocks)
        for name, value in block.items()
    }


@dataclass(frozen=True)
class Removed:
    """The blocks after a removal; `kept`: the relations (by index) that refused it, naming the person to be
    removed (then nothing was removed)."""

    persons: list[dict[str, str]]
    relations: list[dict[str, str]]
    kept: list[tuple[int, str]] = field(default_factory=list)


def relation_open(relation: dict[str, str], index: int) -> bool:
    """Nothing given in this relation row (`RelationForm.is_blank` on what was typed): empty, or the row the
    form opens with as it opened."""
    if relation.get("kind"):
        return False
    ends = (relation.get("from_ref", ""), relation.get("to_ref", ""))
    opened = RELATIONS_INITIAL[index] if index < len(RELATIONS_INITIAL) else {}
    return ends in {("", ""), (opened.get("from_ref", ""), opened.get("to_ref", ""))}


def person_remove(persons: list[dict[str, str]], relations: list[dict[str, str]], index: int) -> Removed:
    """Person `index` taken out. The persons after it move up a number, and the relations' references with
    them (p3 becomes p2), so that each relation keeps its persons. A relation given in the form that names
    this person refuses it: nothing is removed, and that relation (its end field) says why. The row the form
    opens with, left as it opened, gives nothing: it is emptied. A person fieldset after it left as it opened
    (nothing typed, its first role) opens as its new place does, so that it is still no person."""
    gone = f"p{index + 1}"
    kept = []
    for number, relation in enumerate(relations):
        ends = [end for end in ("from_ref", "to_ref") if relation.get(end) == gone]
        if ends and not relation_open(relation, number):
            kept.append((number, ends[0]))
    if kept:
        return Removed(persons, relations, kept)

    def moved(ref: str) -> str:
        found = _REF.match(ref)
        number = int(found.group(1)) if found else 0
        return f"p{number - 1}" if number > index + 1 else ref

    after = [
        {**person, "role": default_role(place - 1)}
        if not any(person.get(name) for name in PERSON_FIELDS) and person.get("role") == default_role(place)
        else person
        for place, person in enumerate(persons[index + 1 :], start=index + 1)
    ]
    return Removed(
        persons[:index] + after,
        [
            {**relation, "from_ref": "", "to_ref": ""}
            if gone in (relation.get("from_ref"), relation.get("to_ref"))
            else {
                **relation,
                "from_ref": moved(relation.get("from_ref", "")),
                "to_ref": moved(relation.get("to_ref", "")),
            }
            for relation in relations
        ],
    )


def relation_remove(relations: list[dict[str, str]], index: int) -> list[dict[str, str]]:
    """Relation `index` taken out; the persons and the other relations stay as they are."""
    return relations[:index] + relations[index + 1 :]
