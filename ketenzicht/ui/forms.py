"""NL Design System classes on Django form widgets, so templates render fields one way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

_CLASSES: list[tuple[type[forms.Widget], str]] = [
    (forms.CheckboxSelectMultiple, "utrecht-checkbox utrecht-checkbox--html-input"),
    (forms.CheckboxInput, "utrecht-checkbox utrecht-checkbox--html-input"),
    (forms.Select, "utrecht-select utrecht-select--html-select"),
    (forms.Textarea, "utrecht-textarea utrecht-textarea--html-textarea"),
    (forms.widgets.Input, "utrecht-textbox utrecht-textbox--html-input"),
]


def nlds_widget_class(widget: forms.Widget) -> str:
    for kind, classes in _CLASSES:
        if isinstance(widget, kind):
            return classes
    return ""


# The one wording of a form that was not stored: the error summary's (templates/ui/_error_summary.html, the
# same msgid) and a page's message where it has no summary (the case page's forms).
NOTHING_STORED = _("Nothing was stored. Correct the fields marked below.")


class NldsFormMixin:
    """Adds the NL Design System classes to every widget (templates add aria-invalid and -describedby)."""

    fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            classes = nlds_widget_class(field.widget)
            if classes:
                field.widget.attrs["class"] = classes


@dataclass(frozen=True)
class ErrorItem:
    """One line of an error summary (templates/_error_summary.html): the message, and the id of the field's
    input it links to ("" for an error that names no field)."""

    text: str
    anchor: str = ""


# The code of a field's error worded as a whole sentence that says which input it is about ("De eerste dag
# van de afwezigheid kan niet voor ... liggen: ..."): the summary says it as the field does, without the
# field's label before it.
SENTENCE = "sentence"


def error_items(form: forms.BaseForm, prefix: str = "") -> list[ErrorItem]:
    """The errors of `form` in the order of its fields, each as "<prefix>, <field label>: <message>" linking
    to the field's input, which the link focuses; the form's own errors first, and a hidden field's (no input
    to focus) with them, unlinked. An error with the code SENTENCE stands alone, as at its field."""
    lead = f"{prefix}: " if prefix else ""
    items = [ErrorItem(f"{lead}{error}") for error in form.non_field_errors()]
    found = form.errors.as_data()
    for field in form:
        if not field.errors:
            continue
        label = f"{prefix}, {field.label}" if prefix else str(field.label)
        for error in found.get(field.name, []):
            for code, text in ((error.code, message) for message in error.messages):
                said = (
                    f"{lead}{sentence(text)}"
                    if code == SENTENCE
                    else _labelled(label, str(field.label), text)
                )
                items.append(ErrorItem(said, input_id(field)))
    return items


def _labelled(label: str, name: str, error: str) -> str:
    """ "<label>: <message>", but a message that names its field already stands alone (as the sentence it is):
    not "Ingangsdatum: de ingangsdatum kan niet voor ... liggen"."""
    said, field = error.casefold(), name.casefold().strip(" *")
    opens = any(said.startswith(article + field) for article in ("", "de ", "het ", "een ", "the ", "a "))
    if field and (opens or (len(field.split()) > 1 and field in said)):
        start = label[: -len(name)].rstrip(", ") if label.endswith(name) else ""
        return f"{start}: {sentence(error)}" if start else sentence(error)
    return f"{label}: {error}"


def sentence(text: str) -> str:
    """A message as a sentence of its own, as a field shows its errors (`kz_sentences`) and the error summary
    a message that names its field: a capital first and a full stop last (a sentence's own end kept)."""
    said = capfirst(text.strip()) or ""
    return said if not said or said[-1] in '.!?)”"' else f"{said}."


def input_id(field: forms.BoundField) -> str:
    """The id of the input that a link to `field` focuses: its own; the first of a group of checkboxes or
    radio buttons, or of a date in parts (those have no id of their own); none for a hidden field."""
    if field.is_hidden:
        return ""
    own = field.field.widget.attrs.get("id") or field.auto_id
    return str(field.id_for_label or (f"{own}_0" if own else ""))


def list_as_filtered(request: HttpRequest, url_name: str) -> HttpResponseRedirect:
    """Back to the list `url_name` as the request's query string filtered it, from its first page: after a
    bulk step taken on a filtered list (an absent colleague's cases, the overdue ones), whose items may have
    been the whole of the page they were ticked on."""
    filters = request.GET.copy()
    filters.pop("page", None)
    url = reverse(url_name)
    return redirect(f"{url}?{filters.urlencode()}" if filters else url)
