"""The registrar's form: persons and relations added on the page (htmx), stored through the pipeline, once
per form (its one-time token: `form_tokens`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ketenzicht.audit.services import request_origin
from ketenzicht.measures.selectors import breach_notices_for_user
from ketenzicht.registrations.exchange import FieldError, parse_registration
from ketenzicht.registrations.models import Kind, Registration
from ketenzicht.registrations.services import ReferenceCodes, RegistrationInvalid
from ketenzicht.registrations.sharing import may_register
from ketenzicht.ui.forms import ErrorItem, error_items

from .form_tokens import TOKEN_FIELD, TOKEN_PARAM, form_issue, form_reference, token_valid
from .forms import (
    MAX_PERSONS,
    PERSON_FIELDS,
    PERSONS_INITIAL,
    RELATION_FIELDS,
    RELATIONS_INITIAL,
    REMOVE_PERSON,
    REMOVE_RELATION,
    PersonFormSet,
    RegistrationForm,
    RelationForm,
    RelationFormSet,
    flat,
    person_labels,
    person_remove,
    persons_unnamed,
    relation_remove,
    to_exchange,
    typed_blocks,
    typed_registration,
)
from .labels import error_text, field_label
from .pipeline import IntakeForbidden, IntakeResult, intake_form_registration
from .selectors import form_registration_for_user, mentions_linked_for_user


def _require_registrar(request: HttpRequest) -> None:
    if not may_register(request.user):  # type: ignore[arg-type]
        raise PermissionDenied


def _person_count(request: HttpRequest) -> int:
    try:
        return max(1, min(MAX_PERSONS, int(request.POST.get("persons-TOTAL_FORMS", 2))))
    except ValueError:
        return 2


def _relation_count(request: HttpRequest) -> int:
    try:
        return max(0, min(MAX_PERSONS * 2, int(request.POST.get("relations-TOTAL_FORMS", 1))))
    except ValueError:
        return 1


def _form_address(token: str) -> str:
    return f"{reverse('intake:new')}?{TOKEN_PARAM}={token}"


@require_http_methods(["GET", "POST"])
def registration_new(request: HttpRequest) -> HttpResponse:
    _require_registrar(request)
    unit = request.user.organisation  # type: ignore[union-attr]
    if request.method == "GET":
        # The empty form has an address of its own (its token): Back and reload show the same form again,
        # also one stored before a new login (a new session knows no token, the stored form does).
        token = request.GET.get(TOKEN_PARAM, "")
        stored = (
            form_registration_for_user(user=request.user, token=token)  # type: ignore[arg-type]
            if token_valid(token)
            else None
        )
        reference = stored.reference if stored is not None else form_reference(request.session, token)
        if reference is None:
            return redirect(_form_address(form_issue(request.session, unit)))
        form = RegistrationForm(unit=unit, initial={"reference": reference})
        persons = PersonFormSet(prefix="persons", initial=PERSONS_INITIAL)
        relations = RelationFormSet(
            prefix="relations", initial=RELATIONS_INITIAL, form_kwargs={"person_count": 2}
        )
        return _render(request, form, persons, relations, token=token, stored=stored)

    if REMOVE_PERSON in request.POST or REMOVE_RELATION in request.POST:
        return _remove_block(request, unit)
    form = RegistrationForm(request.POST, unit=unit)
    persons = PersonFormSet(request.POST, prefix="persons")
    relations = RelationFormSet(
        request.POST,
        prefix="relations",
        initial=RELATIONS_INITIAL,
        form_kwargs={"labels": person_labels(request.POST, _person_count(request))},
    )
    token = request.POST.get(TOKEN_FIELD, "")
    if not token_valid(token):
        # Not sent from this site's form (or from a page older than the token): shown again with a token
        # of its own, nothing stored; sent once more, it is stored once.
        form.add_error(
            None, _("The form was not stored: it came without its form number. Check it and store it again.")
        )
        token = form_issue(request.session, unit)
        return _render(request, form, persons, relations, token=token, status=422)
    # Each checked, so that all errors show at once: the registration's own fields, each person's and
    # relation's, and the persons as a whole (none filled in: said beside a reference left empty).
    valid = all([form.is_valid(), persons.is_valid(), relations.is_valid()])
    each_valid = valid or (form.is_valid() and relations.is_valid() and not any(persons.errors))
    marked = persons_unnamed(persons, relations) or bool(persons.non_form_errors())
    # A report or complaint without its offence, place or account: said at each field, with the rest.
    marked = form.statement_incomplete() or marked
    if not each_valid:
        return _render(request, form, persons, relations, token=token, status=422)
    data, person_index, relation_index = to_exchange(
        form, persons, relations, unit=unit, registered_at=timezone.localtime().isoformat()
    )
    if marked:
        # Not stored; the rest checked as storing would check it, so that every mistake shows at once (a
        # wrong date of birth of person 1 beside the nameless person 2, an incident in the future beside
        # no person at all or a report without its offence), not one round trip after another.
        _reg, errors = parse_registration(
            data, ReferenceCodes.load().known(), occurred_max_years=settings.KETENZICHT_OCCURRED_MAX_YEARS
        )
        _attach_errors(errors, form, persons, relations, person_index, relation_index, beside_marked=True)
        return _render(request, form, persons, relations, token=token, status=422)
    try:
        result = intake_form_registration(
            actor=request.user, data=data, token=token, origin=request_origin(request, "form")
        )
    except (RegistrationInvalid, IntakeForbidden) as exc:
        _attach_errors(exc.errors, form, persons, relations, person_index, relation_index)
        return _render(request, form, persons, relations, token=token, status=422)
    _say_stored(request, result)
    return redirect("registrations:detail", pk=result.registration.pk)


def _posted_index(request: HttpRequest, name: str, count: int) -> int | None:
    try:
        index = int(request.POST.get(name, ""))
    except ValueError:
        return None
    return index if 0 <= index < count else None


def _remove_block(request: HttpRequest, unit: Any) -> HttpResponse:
    """A fieldset's "Remove" button, a submit button of the form (so that it works without a script too): the
    form again without that person or relation, everything else as it was typed; nothing is checked or
    stored. A person that a relation given in the form names is not removed: that relation says why."""
    persons = typed_blocks(request.POST, "persons", ("role", *PERSON_FIELDS), _person_count(request))
    relations = typed_blocks(request.POST, "relations", RELATION_FIELDS, _relation_count(request))
    notice, error_title = "", None
    refused: list[tuple[int, str]] = []
    person = _posted_index(request, REMOVE_PERSON, len(persons))
    relation = _posted_index(request, REMOVE_RELATION, len(relations))
    if person is not None:
        removed = person_remove(persons, relations, person)
        persons, relations, refused = removed.persons, removed.relations, removed.kept
        if refused:
            error_title = _("Person %(n)s was not removed: a relation names them.") % {"n": person + 1}
        else:
            notice = _("Person %(n)s was removed; the persons after it moved up a number.") % {
                "n": person + 1
            }
    elif relation is not None:
        relations = relation_remove(relations, relation)
        notice = _("Relation %(n)s was removed; the relations after it moved up a number.") % {
            "n": relation + 1
        }
    form = RegistrationForm(unit=unit, initial=typed_registration(request.POST))
    person_forms = PersonFormSet(prefix="persons", initial=persons)
    labels = person_labels(flat("persons", persons), person_forms.total_form_count())
    relation_forms = RelationFormSet(prefix="relations", initial=relations, form_kwargs={"labels": labels})
    for number, end in refused:
        relation_forms.forms[number].mark(
            end,
            _(
                "This relation names person %(n)s, whom you asked to remove. Choose another person here, or "
                "remove this relation first."
            )
            % {"n": (person or 0) + 1},
        )
    token = request.POST.get(TOKEN_FIELD, "")
    if not token_valid(token):
        token = form_issue(request.session, unit)
    return _render(
        request,
        form,
        person_forms,
        relation_forms,
        token=token,
        notice=notice,
        error_title=error_title,
        status=422 if refused else 200,
    )


def _say_stored(request: HttpRequest, result: IntakeResult) -> None:
    """The message on the registration's page: stored (and whose it is now), or stored before."""
    owner = result.registration.unit
    if result.repeated:
        messages.info(
            request,
            _(
                "This form was stored already, as registration %(ref)s. Nothing new was stored and the "
                "registration was not changed."
            )
            % {"ref": result.registration.reference},
        )
    elif result.created and owner is not None and result.registration.source != "politie":
        messages.success(
            request,
            _("Report %(ref)s stored and sent to %(unit)s.")
            % {"ref": result.registration.reference, "unit": owner.name},
        )
    elif result.created and owner is not None:
        messages.success(
            request,
            _("Registration %(ref)s stored; it belongs to %(unit)s.")
            % {"ref": result.registration.reference, "unit": owner.name},
        )
    elif result.created:
        messages.success(request, _("Registration %(ref)s stored.") % {"ref": result.registration.reference})
    else:
        messages.info(
            request, _("Registration %(ref)s was already stored.") % {"ref": result.registration.reference}
        )
    if result.created:
        _say_linked(request, result)


def _say_linked(request: HttpRequest, result: IntakeResult) -> None:
    """What linking and the check of protective measures did with a registration just stored, in the
    registrar's words and as far as they may know it (`intake.selectors`): per person, linked to a known
    person, a new person, or waiting for a reviewer; a breach of a measure found, and who was alerted."""
    user = request.user
    lines = []
    for row in mentions_linked_for_user(
        user=user,  # type: ignore[arg-type]
        registration=result.registration,
        links=result.links,
    ):
        number = row.ref.removeprefix("p")
        person = _("Person %(n)s") % {"n": number} if number.isdigit() else row.ref
        if row.name:
            person = f"{person} ({row.name})"
        if row.known and row.review:
            text = _("%(person)s: linked to a known person (%(number)s); a reviewer still checks this link.")
        elif row.known:
            text = _("%(person)s: linked to a known person (%(number)s).")
        elif row.review:
            text = _(
                "%(person)s: a new person for now (%(number)s); waits for a reviewer, who checks whether "
                "this is a known person."
            )
        else:
            text = _("%(person)s: a new person (%(number)s).")
        lines.append(text % {"person": person, "number": row.person})
    if lines:
        messages.info(request, " ".join([_("Persons linked:"), *lines]))
    reported = result.registration.kind == Kind.OVERTREDING_MAATREGEL
    said: set[str] = set()  # a breach of two measures the registrar may not see is one sentence, said once
    for notice in breach_notices_for_user(user, result.breaches):  # type: ignore[arg-type]
        if notice.measure is not None and notice.case_owner:
            text = _(
                "Possible breach of protective measure %(measure)s: the owner of the police case and the "
                "prosecutor have been alerted."
            )
        elif notice.measure is not None:
            text = _(
                "Possible breach of protective measure %(measure)s: the case owners of the unit and the "
                "prosecutor have been alerted."
            )
        elif reported:  # the registrar reported a breach: that it was passed on says no more than they knew
            text = _(
                "The breach you registered matches a protective measure in force: those who act on the "
                "measure have been alerted."
            )
        else:
            continue
        text = text % {"measure": notice.measure}
        if text not in said:
            said.add(text)
            messages.warning(request, text)


def _attach_errors(
    errors: list[FieldError],
    form: RegistrationForm,
    persons: Any,
    relations: Any,
    person_index: dict[int, int],
    relation_index: dict[int, int],
    *,
    beside_marked: bool = False,
) -> None:
    """Put each pipeline error on the form field it names; what names no field goes on top of the form.
    `beside_marked`: the errors of a check beside the form's own marks of nameless persons (or of no person
    at all). Only those on a field of the registration or of a person are news there: a relation's or the
    persons' may follow from a person the form marked already (a relation to them, a registration without a
    person), and a marked field keeps its one message."""
    for error in errors:
        target, field = _locate(error.field, form, persons, relations, person_index, relation_index)
        if beside_marked and (
            target is None or target in relations.forms or field == "persons" or target.has_error(field)
        ):
            continue
        if target is not None and field in target.fields:
            target.add_error(field, error_text(_as_typed(error, target, field), _))
        else:
            form.add_error(None, f"{field_label(error.field)}: {error_text(error, _)}")


def _as_typed(error: FieldError, target: Any, field: str) -> FieldError:
    """The error quoting the field's value as the registrar typed it: the form may have sent it rewritten
    (a birth date typed 31-02-1980 goes as 1980-02-31), and the message should say what is on the screen."""
    params = dict(error.params)
    typed = str(target.data.get(target.add_prefix(field), "") or "").strip()
    if "value" not in params or not typed:
        return error
    return FieldError.of(error.field, error.template, **{**params, "value": typed})


def _locate(
    path: str,
    form: Any,
    persons: Any,
    relations: Any,
    person_index: dict[int, int],
    relation_index: dict[int, int],
) -> tuple[Any, str]:
    head, _, rest = path.partition(".")
    if head.startswith("persons[") and rest:
        index = person_index.get(int(head[8:-1]))
        field = rest.removeprefix("address.")
        return (persons.forms[index] if index is not None else None), field
    if head.startswith("relations[") and rest:
        index = relation_index.get(int(head[10:-1]))
        field = {"from": "from_ref", "to": "to_ref"}.get(rest, rest)
        return (relations.forms[index] if index is not None else None), field
    if head.startswith("offences["):
        return form, "offences"
    return form, head


def _render(
    request: HttpRequest,
    form: RegistrationForm,
    persons: Any,
    relations: Any,
    *,
    token: str,
    stored: Registration | None = None,
    status: int = 200,
    notice: str = "",
    error_title: str | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "error_summary": _error_summary(form, persons, relations),
        "error_title": error_title,  # None: the summary's own wording (nothing stored)
        "notice": notice,  # what a fieldset's Remove button did
        "form_token": token,
        "token_field": TOKEN_FIELD,
        "stored": stored,  # this form was stored already (the browser went Back to it)
        "persons": persons,
        "relations": relations,
        "max_persons": MAX_PERSONS,
        "person_label": _("Person %(n)s"),  # the page's script names the persons as the server does
    }
    return render(request, "intake/registration_form.html", context, status=status)


def _error_summary(form: RegistrationForm, persons: Any, relations: Any) -> list[ErrorItem]:
    """The field errors of the whole page for the summary on top, in the page's order, each naming the
    person or relation it is in (the form's own errors, which name no field, are shown above it)."""
    items = [item for item in error_items(form) if item.anchor]
    items += [
        ErrorItem(str(error), _first_input(persons, "given_names")) for error in persons.non_form_errors()
    ]
    for index, person in enumerate(persons.forms):
        items += error_items(person, prefix=_("Person %(n)s") % {"n": index + 1})
    items += [
        ErrorItem(str(error), _first_input(relations, "from_ref")) for error in relations.non_form_errors()
    ]
    for index, relation in enumerate(relations.forms):
        items += error_items(relation, prefix=_("Relation %(n)s") % {"n": index + 1})
    return items


def _first_input(formset: Any, field: str) -> str:
    """Where an error of the persons or relations as a whole leads: the first fieldset's `field`, or with no
    fieldset on the page the button that adds one ("add-person", "add-relation")."""
    if formset.forms:
        return str(formset.forms[0][field].id_for_label)
    return "add-person" if formset.prefix == "persons" else "add-relation"


def _index(request: HttpRequest, name: str, limit: int) -> int:
    try:
        value = int(request.GET.get(name, "0"))
    except ValueError:
        value = 0
    return max(0, min(limit, value))


@require_GET
def person_row(request: HttpRequest) -> HttpResponse:
    """htmx: one more empty person fieldset, and the formset's new total (swapped out of band). Its index is
    `index`, or else the formset's total now (the button sends that field: no script computes it)."""
    _require_registrar(request)
    total = "index" if "index" in request.GET else "persons-TOTAL_FORMS"
    index = _index(request, total, MAX_PERSONS - 1)
    form = PersonFormSet(prefix="persons").empty_form
    form.prefix = f"persons-{index}"
    form.fields["role"].widget.attrs["autofocus"] = True  # htmx focuses it: the keyboard goes on there
    return render(request, "intake/_person_row.html", {"person": form, "index": index, "total": index + 1})


@require_GET
def relation_row(request: HttpRequest) -> HttpResponse:
    """htmx: one more empty relation row, offering the persons now on the page; its index as a person's."""
    _require_registrar(request)
    total = "index" if "index" in request.GET else "relations-TOTAL_FORMS"
    index = _index(request, total, MAX_PERSONS * 2 - 1)
    count = _index(request, "persons-TOTAL_FORMS", MAX_PERSONS) or 2
    form = RelationForm(prefix=f"relations-{index}", labels=person_labels(request.GET, count))
    form.fields["from_ref"].widget.attrs["autofocus"] = True  # htmx focuses it: the keyboard goes on there
    return render(
        request, "intake/_relation_row.html", {"relation": form, "index": index, "total": index + 1}
    )
