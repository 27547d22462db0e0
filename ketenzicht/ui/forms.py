"""NL Design System classes on Django form widgets, so templates render fields one way."""

from __future__ import annotations

from typing import Any

from django import forms

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


class NldsFormMixin:
    """Adds the NL Design System classes to every widget (templates add aria-invalid and -describedby)."""

    fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            classes = nlds_widget_class(field.widget)
            if classes:
                field.widget.attrs["class"] = classes
