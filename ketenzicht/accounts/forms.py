"""The user management forms. They check what a form can (filled in, the two passwords equal); the rules
(roles that fit the organisation, the password validators, an administrator keeping their own role) are the
services', whose refusals the views put on the field they name, together with the form's own in one answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Organisation
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.services import API_TOKEN_NAME_LENGTH
from ketenzicht.ui.forms import NldsFormMixin


def _organisations() -> Any:
    return Organisation.objects.filter(active=True).order_by("kind", "name")


class UserFilterForm(NldsFormMixin, forms.Form):
    q = forms.CharField(label=_("Name or username"), required=False, max_length=100)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("kind", "name"),
        required=False,
        to_field_name="code",
        empty_label=_("All organisations"),
    )
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])

    def used(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        used = {
            "q": data["q"].strip(),
            "organisation": data["organisation"].code if data["organisation"] else "",
            "role": data["role"],
        }
        return {key: value for key, value in used.items() if value}


class _PasswordPair(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters, not a common password, not only digits, not like the name."),
        error_messages={"required": _("Fill in a password.")},
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type the password a second time, to rule out a typing error.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password"), data.get("password_again")
        if first and second and first != second:
            self.add_error("password_again", _("The two passwords differ."))
        return data

    @property
    def retype_note(self) -> str:
        """What the password field says when the form comes back with errors: the passwords are not sent
        back to the browser, so they are typed again."""
        return str(_("Type the password again.")) if self.is_bound and self.errors else ""


class UserCreateForm(NldsFormMixin, _PasswordPair):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only."),
        error_messages={"required": _("Fill in the name the user logs in with.")},
    )
    first_name = forms.CharField(
        label=_("First name"), max_length=150, error_messages={"required": _("Fill in the first name.")}
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, error_messages={"required": _("Fill in the last name.")}
    )
    email = forms.EmailField(label=_("E-mail address"), required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        empty_label=_("Choose an organisation"),
        error_messages={"required": _("Choose the organisation the user works for.")},
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only roles that fit the kind of organisation: a police role in a police unit, and so on."
        ),
        error_messages={"required": _("Choose at least one role.")},
    )

    field_order = ["username", "first_name", "last_name", "email", "organisation", "roles", "password"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _organisations()


class RolesForm(NldsFormMixin, forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Choose the roles"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, offered: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["roles"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(role.value, role.label) for role in offered]


class PasswordForm(NldsFormMixin, _PasswordPair):
    pass


class SecondFactorResetForm(NldsFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("I know who asked for this and have made sure it is this user."),
        error_messages={"required": _("Confirm that you know who asked for the reset.")},
    )


class DeactivateForm(NldsFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why is this user deactivated?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For example: left the team on 1 December. It goes into the history of every case given back."
        ),
        error_messages={"required": _("Say why the user is deactivated.")},
    )


class TokenForm(NldsFormMixin, forms.Form):
    name = forms.CharField(
        label=_("What the token is for"),
        max_length=API_TOKEN_NAME_LENGTH,
        help_text=_("For example: feed of Veilig Thuis Brabant-Noordoost."),
        error_messages={"required": _("Say what the token is for, so it can be recognised later.")},
    )


class MoveForm(NldsFormMixin, forms.Form):
    """Moving a user to another unit: the units offered are those the user may move to (`offered`); any
    other chosen is read all the same, for the service to say why it cannot be."""

    organisation = forms.ModelChoiceField(
        label=_("New unit"),
        queryset=Organisation.objects.all(),
        empty_label=_("Choose the new unit"),
        help_text=_("Only units of the same kind as the user's own, where their roles fit."),
        error_messages={"required": _("Choose the unit the user moves to.")},
    )
    on = forms.DateField(
        label=_("Moves on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The first day in the new unit: today or a day since they came to the present one."),
        error_messages={
            "required": _("Give the day the user moves."),
            "invalid": _("Give the day as dd-mm-yyyy."),
        },
    )
    reason = forms.CharField(
        label=_("Why does the user move?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For example: transferred to the Rotterdam unit. It goes into the history of every case given "
            "back."
        ),
        error_messages={"required": _("Say why the user moves.")},
    )

    def __init__(self, *args: Any, offered: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.widget.choices = [("", _("Choose the new unit")), *((unit.pk, unit.name) for unit in offered)]
