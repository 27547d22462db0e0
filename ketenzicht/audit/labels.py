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
    "user": pgettext_lazy("logged object", "user"),
    "api_token": pgettext_lazy("logged object", "API token"),
    "statistics": pgettext_lazy("logged object", "statistics"),
    "break_glass": pgettext_lazy("logged object", "break-the-glass access"),
    "retention": pgettext_lazy("logged object", "retention periods"),
    "second_factor": pgettext_lazy("logged object", "second factor"),
    "alert": pgettext_lazy("logged object", "alert"),
    "measure": pgettext_lazy("logged object", "protective measure"),
    "post": pgettext_lazy("logged object", "prosecutor's post"),
    "screening": pgettext_lazy("logged object", "risk screening"),
    "screening_case": pgettext_lazy("logged object", "screening queue"),
    "vt_feedback": pgettext_lazy("logged object", "Veilig Thuis feedback to the police"),
    "vt_notification": pgettext_lazy("logged object", "Veilig Thuis notification"),
    "vt_timeliness": pgettext_lazy("logged object", "Veilig Thuis timeliness"),
    "zsm_file": pgettext_lazy("logged object", "ZSM file"),
    "zsm_portfolio": pgettext_lazy("logged object", "ZSM portfolio"),
    "zsm_request": pgettext_lazy("logged object", "request to a ZSM partner"),
}
# Actions the desks log beside the model's choices (Action): in words too.
ACTION_LABELS = {
    "absence": pgettext_lazy("logged action", "absence"),
    "answer": pgettext_lazy("logged action", "answer"),
    "forward": pgettext_lazy("logged action", "forward"),
    "change": pgettext_lazy("logged action", "change"),
    "deactivate": pgettext_lazy("logged action", "deactivate"),
    "move": pgettext_lazy("logged action", "move to another unit"),
    "reactivate": pgettext_lazy("logged action", "reactivate"),
    "reopen": pgettext_lazy("logged action", "reopen"),
    "reset": pgettext_lazy("logged action", "password reset"),
    "revoke": pgettext_lazy("logged action", "revoke"),
    "withdraw": pgettext_lazy("logged action", "withdraw"),
}


def action_label(code: str, display: str) -> str:
    """An action to show: the model's choice label, else ours, else the code in words."""
    if display != code:
        return display
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ")


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


# The object types whose name, as its app gives it, starts with the kind's own word (a review item is
# "Beoordeling PL0600-2026-000017 ↔ PL0600-2026-000005"): the log shows the name alone, not the word twice.
NAME_SAYS_KIND = frozenset({"review_item"})
