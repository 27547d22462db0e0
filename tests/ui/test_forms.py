"""An error summary's links (ui.forms.error_items) lead to the input in error, whatever its kind of field."""

from __future__ import annotations

import re

from django import forms

from ketenzicht.ui.forms import error_items

# The ids of what a link can focus: no hidden input.
FOCUSABLE = re.compile(r'<(?:input(?![^>]*type="hidden")|select|textarea|button)\b[^>]*\bid="([^"]+)"')


class EveryKind(forms.Form):
    text = forms.CharField(label="Text")
    choice = forms.ChoiceField(label="Choice", choices=[("a", "A")])
    radio = forms.ChoiceField(label="Radio", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    boxes = forms.MultipleChoiceField(
        label="Boxes", choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )
    box = forms.BooleanField(label="Box")
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.SplitDateTimeField(label="Moment")  # a date and a time, two inputs
    parts = forms.DateField(label="Parts", widget=forms.SelectDateWidget)  # day, month and year apart
    named = forms.ChoiceField(
        label="Named", choices=[("a", "A")], widget=forms.RadioSelect(attrs={"id": "own"})
    )
    version = forms.IntegerField(label="Version", widget=forms.HiddenInput)


def test_each_link_leads_to_an_input_of_its_field_and_a_hidden_field_is_named_unlinked() -> None:
    form = EveryKind(data={"version": "x"}, prefix="persons-2")
    assert not form.is_valid()
    page = "".join(str(form[name]) for name in form.fields)
    focusable = set(FOCUSABLE.findall(page))
    items = error_items(form, prefix="Person 3")
    linked = {
        item.text.split(":")[0].removeprefix("Person 3, "): item.anchor for item in items if item.anchor
    }
    assert set(linked) == {name.capitalize() for name in form.fields} - {"Version"}
    for label, anchor in linked.items():
        assert anchor in focusable, (label, anchor)
        tag = re.search(rf'<[^>]*\bid="{re.escape(anchor)}"[^>]*>', page)
        assert tag is not None and f'name="persons-2-{label.lower()}' in tag.group(0), label
    (hidden,) = [item for item in items if item.text.startswith("Person 3, Version")]
    assert hidden.anchor == ""


def test_a_fields_errors_under_it_read_as_sentences() -> None:
    """A service's problem is worded to follow a field's name ("Einddatum: de einddatum ligt voor de
    ingangsdatum"); under the field it stands alone: a capital first, a full stop last, a sentence that
    has its own end kept as it is."""
    from ketenzicht.ui.templatetags.kz_forms import kz_sentences

    assert (
        kz_sentences(["de einddatum ligt voor de ingangsdatum"]) == "De einddatum ligt voor de ingangsdatum."
    )
    assert (
        kz_sentences(["Dit veld is verplicht.", "kies een reden"]) == "Dit veld is verplicht. Kies een reden."
    )
    assert kz_sentences(["welke zaak? (kenmerk)"]) == "Welke zaak? (kenmerk)"
    assert kz_sentences([]) == "" and kz_sentences(None) == ""


def test_a_single_checkbox_field_shows_its_box_before_its_label() -> None:
    """A filter's "Alleen zaken over de termijn" stood under its label like a text field's input; a
    checkbox comes first, its label beside it, as in the checkbox groups."""
    from django import forms
    from django.template.loader import render_to_string

    class Filters(forms.Form):
        overdue = forms.BooleanField(label="Alleen zaken over de termijn", required=False)
        name = forms.CharField(label="Naam", required=False)

    form = Filters()
    check = render_to_string("intake/_field.html", {"field": form["overdue"]})
    assert 'class="kz-check"' in check and check.index("<input") < check.index("<label")
    assert 'for="id_overdue"' in check and "utrecht-form-label--checkbox" in check
    text = render_to_string("intake/_field.html", {"field": form["name"]})
    assert "kz-check" not in text and text.index("<label") < text.index("<input")


def test_a_message_that_names_its_field_is_not_led_by_the_label_again() -> None:
    """The summary said "Ingangsdatum: de ingangsdatum kan niet voor ... liggen" and "Reden voor een ander
    niveau dan het berekende: Geef de reden voor een ander niveau dan het berekende."."""

    class Measure(forms.Form):
        starts_on = forms.CharField(label="Ingangsdatum")
        reason = forms.CharField(label="Reden voor een ander niveau dan het berekende")
        choice = forms.ChoiceField(label="Keuze", choices=[("a", "A")])

    form = Measure(data={"starts_on": "x", "reason": "x", "choice": "b"})
    assert not form.is_valid()  # the choice: not one of its choices
    form.add_error("starts_on", "de ingangsdatum kan niet voor 06-09-2026 liggen")
    form.add_error("reason", "Geef de reden voor een ander niveau dan het berekende.")
    texts = [item.text for item in error_items(form)]
    assert texts[0] == "De ingangsdatum kan niet voor 06-09-2026 liggen."  # the sentence the field shows
    assert texts[1] == "Geef de reden voor een ander niveau dan het berekende."
    assert texts[2].startswith("Keuze: ")  # a message that does not name it keeps the label
    assert error_items(form, prefix="Maatregel")[0].text == (
        "Maatregel: De ingangsdatum kan niet voor 06-09-2026 liggen."
    )
