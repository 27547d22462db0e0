"""The access log's object types and origins in the user's language (the log stores the codes)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

OBJECT_TYPE_LABELS = {
    "registration": pgettext_lazy("logged object", "registration"),
    "person": pgettext_lazy("logged object", "person"),
    "person_search": pgettext_lazy("logged object", "person search"),
    "review_item": pgettext_lazy("logged object", "link review"),
    "signal": pgettext_lazy("logged object", "pattern signal"),
    "case": pgettext_lazy("logged object", "case"),
    "rollout": pgettext_lazy("logged object", "roll-out of a work process"),
    "access_log": pgettext_lazy("logged object", "access log"),
    "session": pgettext_lazy("logged object", "session"),
    "second_factor": pgettext_lazy("logged object", "second factor"),
}


def object_type_label(code: str) -> str:
    """An object type to show; a type without a label shows as words, never as a code."""
    label = OBJECT_TYPE_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ")


ORIGIN_LABELS = {
    "web": pgettext_lazy("log origin", "web"),
    "form": pgettext_lazy("log origin", "form"),
    "api": pgettext_lazy("log origin", "API"),
    "import": pgettext_lazy("log origin", "import"),
    "linking": pgettext_lazy("log origin", "linking"),
}


def origin_label(origin: str) -> str:
    """ "web 127.0.0.1" with the channel in words ("web", "formulier"), the address as it is."""
    channel, space, rest = origin.partition(" ")
    label = ORIGIN_LABELS.get(channel)
    return f"{label}{space}{rest}" if label is not None else origin
