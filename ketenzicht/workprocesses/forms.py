"""Forms of the work-process pages: roll-out, opening a case, taking a step, assigning, a note."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.selectors import Absence
from ketenzicht.ui import formats
from ketenzicht.ui.formats import versioned
from ketenzicht.ui.forms import NldsFormMixin, nlds_widget_class

from .definitions import lowering_confirmers, ranked_fields
from .engine.definition import Definition, FieldKind, Transition
from .engine.machine import PROVISIONAL, SUGGESTED, lowering_floors
from .labels import DATE_REFUSALS, data_text
from .models import ProcessVersion
from .selectors import reopenable, rollout_organisations


class DateInput(forms.DateInput):
    """A browser date picker: its value is always ISO (YYYY-MM-DD), whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _nlds(form: forms.Form) -> None:
    """The NL Design System classes on fields added after the form was built."""
    for field in form.fields.values():
        classes = nlds_widget_class(field.widget)
        if classes:
            field.widget.attrs["class"] = classes


NATIONAL = "landelijk"


class RolloutForm(NldsFormMixin, forms.Form):
    process_version = forms.ModelChoiceField(
        label=_("Version"),
        queryset=ProcessVersion.objects.all(),
        empty_label=_("Choose a version"),
        error_messages={"required": _("Choose the version to roll out.")},
    )
    # A choice the administrator must make: with the national default as the preselected first option,
    # forgetting to pick the pilot unit rolled a version out to every organisation.
    organisation = forms.ChoiceField(
        label=_("Organisation"),
        error_messages={"required": _("Choose the organisation, or the national default, to roll out to.")},
    )
    valid_from = forms.DateField(
        label=_("From"),
        widget=DateInput,
        error_messages={"required": _("Fill in the first day the version applies, today or later.")},
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the organisations a work process can run in: a Veilig Thuis or a public prosecutor's office
        # in the list would only lead to a refusal.
        self.fields["organisation"].choices = [
            ("", _("Choose an organisation")),
            (NATIONAL, _("All organisations without a roll-out of their own (national default)")),
            *((str(o.pk), o.name) for o in rollout_organisations()),
        ]
        self.fields["process_version"].label_from_instance = lambda pv: versioned(
            data_text(pv.label), pv.version
        )
        # The browser's date picker offers no day before today (the service refuses one all the same).
        self.fields["valid_from"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_organisation(self) -> Organisation | None:
        chosen = self.cleaned_data["organisation"]
        return None if chosen == NATIONAL else rollout_organisations().get(pk=int(chosen))


class WithdrawForm(NldsFormMixin, forms.Form):
    """Withdrawing a planned roll-out; one per roll-out on the page (prefixed with its id)."""

    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        max_length=300,
        error_messages={"required": _("Say why the planned roll-out is withdrawn.")},
    )


class CaseOpenForm(NldsFormMixin, forms.Form):
    process = forms.ChoiceField(
        label=_("Work process"), error_messages={"required": _("Choose the work process of the case.")}
    )
    title = forms.CharField(
        label=_("What is the case about?"),
        max_length=300,
        error_messages={"required": _("Say in a few words what the case is about.")},
    )

    def __init__(self, *args: Any, processes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["process"].choices = processes


class LockedForm(NldsFormMixin, forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def _final_label(*, second_person: bool, reopenable: bool) -> Any:
    if reopenable and second_person:
        return _(
            "I understand that this step, once a second person confirms it, ends the case; only a team lead "
            "can open it again."
        )
    if reopenable:
        return _("I understand that this step ends the case; only a team lead can open it again.")
    if second_person:
        return _(
            "I understand that this step, once a second person confirms it, ends the case and cannot be "
            "taken back."
        )
    return _("I understand that this step ends the case and cannot be taken back.")


def _preselected(definition: Definition, recorded: Mapping[str, Any]) -> dict[str, Any]:
    """What a step's fields start with: a value the case already holds (e.g. the unsafety Veilig Thuis
    found), or that a desk suggested (e.g. the urgency from the screening: `urgency_suggested`), for the user
    to confirm or change."""
    return {
        # A provisional value (the register's, before anyone judged) first, so that what follows wins.
        **{
            key.removesuffix(PROVISIONAL): value
            for key, value in recorded.items()
            if key.endswith(PROVISIONAL) and key.removesuffix(PROVISIONAL) in definition.fields
        },
        **{key: value for key, value in recorded.items() if key in definition.fields},
        **{
            key.removesuffix(SUGGESTED): value
            for key, value in recorded.items()
            if key.endswith(SUGGESTED) and key.removesuffix(SUGGESTED) in definition.fields
        },
    }


class TransitionForm(LockedForm):
    """Taking one step: its fields (from the definition), a reason where asked."""

    # What the desk the step hands over to says before it is taken (`panels.step_note`), set by the page.
    note: str | None = None

    def __init__(
        self,
        *args: Any,
        definition: Definition,
        transition: Transition,
        recorded: Mapping[str, Any] | None = None,
        reason_required: str | None = None,
        **kwargs: Any,
    ) -> None:
        """`recorded`: the case's values. What it holds or a desk suggested is preselected; where the
        engine's rule makes a lower choice need a reason (`lowering_floors`), the explanation says so.
        `reason_required`: a desk requires the reason now (`panels.reason_required`), saying this when it is
        left empty: the reason is labelled and marked as required."""
        kwargs.setdefault("prefix", f"step-{transition.name}")
        super().__init__(*args, **kwargs)
        self.transition = transition
        suggested = _preselected(definition, recorded or {})
        floors = lowering_floors(definition, transition, recorded or {}, ranked_fields())
        for name in transition.requires.fields:
            spec = definition.fields[name]
            label = data_text(spec.label)  # the definition's words in the user's language
            field: forms.Field
            if spec.kind is FieldKind.CHOICE:
                choices = [(code, data_text(text)) for code, text in spec.choices.items()]
                field = forms.ChoiceField(
                    label=label, choices=[("", _("Make a choice")), *choices], required=True
                )
            elif spec.kind is FieldKind.DATE:
                field = forms.DateField(label=label, widget=DateInput, required=True)
            else:
                field = forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 2}), required=True)
            if suggested and suggested.get(name):
                field.initial = suggested[name]
            confirmer = lowering_confirmers().get(name)
            if confirmer and floors.get(name) in spec.choices:
                # Said before it is chosen, not only after: a lower choice waits for a second person.
                field.help_text = _(
                    "A choice below %(floor)s needs a reason and waits for a %(role)s of the unit to confirm "
                    "it; until then the case keeps %(floor)s."
                ) % {
                    "floor": data_text(spec.choices[floors[name]]),
                    "role": str(Role(confirmer).label).lower() if confirmer in Role.values else confirmer,
                }
            self.fields[f"value_{name}"] = field
        self.fields["reason"] = forms.CharField(
            label=_("Reason") if transition.requires.reason else _("Explanation (optional)"),
            widget=forms.Textarea(attrs={"rows": 2}),
            required=transition.requires.reason,
            max_length=2000,
        )
        if reason_required and not transition.requires.reason:
            self.fields["reason"].label = _("Reason")
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = reason_required
        elif floors and not transition.requires.reason:
            # Said only where the reason is otherwise optional: a required reason needs no condition. What
            # was suggested is named (the floor: a desk's suggestion, or what the case holds), per field.
            named = {
                name: (
                    data_text(definition.fields[name].label),
                    data_text(definition.fields[name].choices[floor]),
                )
                for name, floor in floors.items()
            }
            self.fields["reason"].label = _("Explanation (required below the suggestion: %(suggested)s)") % {
                "suggested": "; ".join(
                    value if len(named) == 1 else f"{label} {value}" for label, value in named.values()
                )
            }
            self.fields["reason"].help_text = " ".join(
                _("Required when you choose less than %(value)s for %(field)s.")
                % {"value": value, "field": label}
                for label, value in named.values()
            )
        if definition.states[transition.to].final:
            # A step that ends the case: said, and confirmed, before it is taken. Only a team lead can open
            # the case again, and only in a process that has one (the others cannot be taken back at all).
            self.fields["confirm_final"] = forms.BooleanField(
                label=_final_label(
                    second_person=transition.requires.second_person, reopenable=reopenable(definition)
                ),
                required=True,
                error_messages={"required": _("Confirm that this step may end the case.")},
            )
        _nlds(self)

    def mark_refusal(self, code: str, detail: str, text: str) -> None:
        """Put the engine's refusal on the field it concerns, so that the page marks where to act: a
        missing or too short reason on the reason field (also for a lower choice, which the engine names
        by the lowered field though the reason is what is missing), a missing or out-of-time value on
        that value's field, a desk's own rule (signals.case_stepping) on the field it names. A refusal of
        the whole step stays only at the top of the page."""
        names = [name.strip() for name in detail.split(",") if name.strip()]
        if code in ("reason", "lowered") or (code == "desk" and names == ["reason"]):
            targets = ["reason"]
        elif code in ("fields", "field", "desk", *DATE_REFUSALS):
            targets = [f"value_{name}" for name in names]
        else:
            targets = []
        for target in targets:
            if target in self.fields and not self.has_error(target):
                self.add_error(target, text)

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in self.cleaned_data.items():
            if key.startswith("value_") and value not in (None, ""):
                out[key.removeprefix("value_")] = (
                    value.isoformat() if hasattr(value, "isoformat") else str(value)
                )
        return out


if TYPE_CHECKING:
    _UserChoices = forms.models.ModelChoiceIterator[User]
else:  # not subscriptable when running
    _UserChoices = forms.models.ModelChoiceIterator


class _ListedColleagues(_UserChoices):
    """The colleagues as the page read them once (its owner's and contact's forms list the same people, and
    its absences are theirs): the choices without reading them again for each form."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for user in self.field.listed:  # type: ignore[attr-defined]
            yield self.choice(user)

    def __len__(self) -> int:
        return len(self.field.listed) + (self.field.empty_label is not None)  # type: ignore[attr-defined]

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.field.listed)  # type: ignore[attr-defined]


class AssignForm(LockedForm):
    person = forms.ModelChoiceField(
        label=_("Colleague"), queryset=User.objects.none(), empty_label=_("Choose a colleague")
    )
    reason = forms.CharField(
        label=_("Reason for the handover"),
        help_text=_("Required when the case or the contact passes from one colleague to another."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        colleagues: Any,
        absences: Mapping[int, Absence] | None = None,
        listed: Sequence[User] | None = None,
        **kwargs: Any,
    ) -> None:
        """`absences`: the colleagues recorded absent today (user id -> their absence), marked in the list
        with the absence's end, as the kernel refuses a hand-over to them. `listed`: `colleagues` as the page
        read them already, listed from there (what is posted is checked against `colleagues` itself)."""
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        if listed is not None:
            field.listed = listed
            field.iterator = _ListedColleagues  # before the queryset, which hands the widget its choices
        field.queryset = colleagues
        away = absences or {}

        def label(user: User) -> str:
            name = user.display_name
            absence = away.get(user.pk)
            if absence is None:
                return name
            if absence.ends is None:
                return _("%(name)s (absent until further notice)") % {"name": name}
            return _("%(name)s (absent until %(day)s)") % {"name": name, "day": formats.date(absence.ends)}

        field.label_from_instance = label

    def mark_refusal(self, code: str, text: str) -> None:
        """Put the kernel's refusal of this assignment on the field it concerns (a missing reason on the
        reason, a colleague who cannot take it on the colleague), else on the form: the page has two of
        these forms, so the top of the page alone would not say which one."""
        target = {"reason": "reason", "person": "person", "handover": "person", "absent": "person"}.get(code)
        self.add_error(target, text)


class ConfirmForm(LockedForm):
    """A second person's confirmation; of a step that ends the case, with that said and ticked first, as the
    proposer had to (one click closed the case for good)."""

    def __init__(
        self, *args: Any, definition: Definition | None = None, final: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if final:
            self.fields["confirm_final"] = forms.BooleanField(
                label=_("I understand that confirming ends the case; only a team lead can open it again.")
                if definition is not None and reopenable(definition)
                else _("I understand that confirming ends the case and that it cannot be taken back."),
                required=True,
                error_messages={"required": _("Confirm that this step may end the case.")},
            )
            _nlds(self)


class DeclineForm(LockedForm):
    reason = forms.CharField(
        label=_("Why do you decline this step?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReopenForm(LockedForm):
    reason = forms.CharField(
        label=_("Why do you reopen the case?"),
        help_text=_(
            "It goes back to the state it was in before the step that closed it; the history keeps both."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why you reopen the case.")},
    )


class NoteForm(LockedForm):
    text = forms.CharField(label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class RegistrationAddForm(LockedForm):
    """A registration added to a case by its reference, as the user knows it (e.g. from the dossier).
    `prefix_example`: what the references of the case's organisation start with (e.g. PL0600, VT21), for
    an example in its own numbering; empty: no example."""

    reference = forms.CharField(
        label=_("Reference of the registration"),
        max_length=100,
        error_messages={"required": _("Give the reference of the registration.")},
    )

    def __init__(self, *args: Any, prefix_example: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if prefix_example:
            example = f"{prefix_example}-{timezone.localdate().year}-000012"
            self.fields["reference"].help_text = _(
                "For example %(example)s. Its suspect and victim become the case's persons; once the case "
                "has persons, add only registrations about them."
            ) % {"example": example}
        else:
            self.fields["reference"].help_text = _(
                "Its suspect and victim become the case's persons; once the case has persons, add only "
                "registrations about them."
            )
