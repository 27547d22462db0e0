"""The functional administrator's pages: the users, a new user, one user (roles, deactivation, password,
API tokens). Anyone else gets 403, and the refusal is logged once."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from ketenzicht.audit.access import listed, read
from ketenzicht.audit.services import access_log_record, request_origin
from ketenzicht.organisations.models import ApiToken, User
from ketenzicht.organisations.roles import Role
from ketenzicht.ui.forms import ErrorItem, error_items

from .forms import (
    DeactivateForm,
    MoveForm,
    PasswordForm,
    RolesForm,
    SecondFactorResetForm,
    TokenForm,
    UserCreateForm,
    UserFilterForm,
)
from .selectors import (
    PAGE_SIZE,
    may_manage_users,
    unit_overview,
    user_holdings_of,
    user_list,
    user_move_choices,
    user_role_choices,
    user_second_factor,
    user_tokens,
    user_unit_history,
)
from .services import (
    USER,
    AccountRefused,
    account_create,
    account_create_problems,
    account_move,
    account_move_problems,
    account_password_problems,
    account_reset_password,
    account_reset_second_factor,
    account_set_active,
    account_set_roles,
    account_token_create,
    account_token_problems,
    account_token_revoke,
)

# The access log's purpose, shown translated.
USERS_PURPOSE = gettext_noop("user management")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _refuse(user: User, origin: str, *, action: str, object_id: str | int = "") -> PermissionDenied:
    """Log the refusal of a user management page once, in its own transaction; the 403 to raise."""
    with transaction.atomic():
        access_log_record(
            actor=user,
            action=action,
            object_type=USER,
            purpose=USERS_PURPOSE,
            object_id=object_id,
            result="refused",
            origin=origin,
            detail={"refused": "not a functional administrator"},
        )
    return PermissionDenied()


def _refused_on(form: Form, error: AccountRefused) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _refused_on_all(form: Form, problems: list[AccountRefused]) -> None:
    """Put the services' refusals on their fields beside the form's own errors (a field the form refused
    already was not given to the service)."""
    for problem in problems:
        _refused_on(form, problem)


@require_GET
def users(request: HttpRequest) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    if not may_manage_users(user):
        listed(actor=user, object_type=USER, purpose=USERS_PURPOSE, origin=origin, refused=True)
        raise PermissionDenied
    filters = UserFilterForm(request.GET or None)
    found = user_list()
    if filters.is_valid():
        data = filters.cleaned_data
        found = user_list(q=data["q"], organisation=data["organisation"], role=data["role"])
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    listed(
        actor=user,
        object_type=USER,
        purpose=USERS_PURPOSE,
        origin=origin,
        detail={"page": page.number, "count": len(page.object_list), "filters": filters.used()},
    )
    rows = [{"user": u, "roles": [str(Role(r.role).label) for r in u.roles.all()]} for u in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "query": query.urlencode(),
            "filtered": bool(filters.used()),
        },
    )


@require_GET
def units(request: HttpRequest) -> HttpResponse:
    """The organisations (units) read-only: kind, code, region and served municipalities, active users per
    role. Counts only, no names: not logged; anyone but the functional administrator gets 403."""
    if not may_manage_users(_user(request)):
        raise PermissionDenied
    return render(request, "accounts/units.html", {"rows": unit_overview()})


@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    user, origin = _user(request), request_origin(request, "web")
    if not may_manage_users(user):
        raise _refuse(user, origin, action="create")
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        valid = form.is_valid()
        data = form.cleaned_data
        problems = account_create_problems(
            username=data.get("username"),
            organisation=data.get("organisation"),
            roles=data.get("roles"),
            password=data.get("password"),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            email=data.get("email", ""),
        )
        _refused_on_all(form, problems)
        if valid and not problems:
            try:
                created = account_create(
                    actor=user,
                    username=data["username"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    organisation=data["organisation"],
                    roles=data["roles"],
                    password=data["password"],
                    origin=origin,
                )
            except AccountRefused as error:  # the username taken meanwhile
                _refused_on(form, error)
            else:
                messages.success(request, _("User %(username)s is created.") % {"username": created.username})
                return redirect("accounts:user", pk=created.pk)
    return render(
        request,
        "accounts/user_new.html",
        {"form": form, "error_summary": error_items(form) if form.is_bound else []},
        status=422 if request.method == "POST" else 200,
    )


ACTIONS = ("roles", "active", "password", "second_factor", "token", "revoke")


@require_http_methods(["GET", "POST"])
def user_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One user; a POST names its `action`: roles, active (deactivate or reactivate), password,
    second_factor (remove their devices, confirmed), token (a new API token, shown on this answer only) or
    revoke (one of their tokens)."""
    actor, origin = _user(request), request_origin(request, "web")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if not may_manage_users(actor):
        raise _refuse(actor, origin, action="change" if request.method == "POST" else "view", object_id=pk)
    subject = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    offered = user_role_choices(subject)
    forms: dict[str, Any] = {
        "roles_form": RolesForm(initial={"roles": sorted(subject.role_codes)}, offered=offered),
        "password_form": PasswordForm(),
        "second_factor_form": SecondFactorResetForm(),
        "token_form": TokenForm(),
    }
    context: dict[str, Any] = {"subject": subject, "active_error": ""}
    if request.method == "POST":
        answer = _act(request, actor, subject, action, origin, offered, forms, context)
        if answer is not None:
            return answer
    else:
        read(actor=actor, object_type=USER, purpose=USERS_PURPOSE, object_id=subject.pk, origin=origin)
    status = 200 if request.method == "GET" or "new_token" in context else 422
    context["error_summary"] = _error_summary(forms, context)
    response = render(
        request,
        "accounts/user_detail.html",
        {
            **forms,
            **context,
            "roles": subject.role_labels(),
            "tokens": user_tokens(subject),
            "second_factor": user_second_factor(subject),
            "unit_history": user_unit_history(subject),
        },
        status=status,
    )
    if "new_token" in context:
        response["Cache-Control"] = "no-store"  # the token is on this answer only
    return response


def _act(
    request: HttpRequest,
    actor: User,
    subject: User,
    action: str,
    origin: str,
    offered: list[Role],
    forms: dict[str, Any],
    context: dict[str, Any],
) -> HttpResponse | None:
    """Carry out a POST on the user's page: a redirect when done, None to show the page again (with the
    form's errors, or with the new token)."""
    back = redirect("accounts:user", pk=subject.pk)
    try:
        if action == "roles":
            form: Form = RolesForm(request.POST, offered=offered)
            forms["roles_form"] = form
            if form.is_valid():
                changed = account_set_roles(
                    actor=actor, user=subject, roles=form.cleaned_data["roles"], origin=origin
                )
                messages.success(request, _("The roles are saved.") if changed else _("Nothing changed."))
                return back
        elif action == "active":
            active = request.POST.get("active") == "1"
            if not active and subject.pk == actor.pk:
                raise AccountRefused("active", _("You cannot deactivate yourself."))
            if not active:  # asked on a page of its own: what the user holds, and why
                return redirect("accounts:user-deactivate", pk=subject.pk)
            account_set_active(actor=actor, user=subject, active=active, origin=origin)
            messages.success(request, _("The user is active again."))
            return back
        elif action == "password":
            form = PasswordForm(request.POST)
            forms["password_form"] = form
            valid = form.is_valid()
            problems = (
                account_password_problems(subject, form.cleaned_data["password"])
                if "password" in form.cleaned_data
                else []
            )
            _refused_on_all(form, problems)
            if valid and not problems:
                account_reset_password(
                    actor=actor, user=subject, password=form.cleaned_data["password"], origin=origin
                )
                messages.success(request, _("The new password is set. Tell the user in person."))
                return back
        elif action == "second_factor":
            form = SecondFactorResetForm(request.POST)
            forms["second_factor_form"] = form
            if form.is_valid():
                removed = account_reset_second_factor(actor=actor, user=subject, origin=origin)
                messages.success(
                    request,
                    _("The second factor is removed: the user sets up a new device at their next login.")
                    if removed
                    else _("Nothing changed."),
                )
                return back
        elif action == "token":
            form = TokenForm(request.POST)
            forms["token_form"] = form
            valid = form.is_valid()
            problems = account_token_problems(subject)
            _refused_on_all(form, problems)
            if valid and not problems:
                row, token = account_token_create(
                    actor=actor, user=subject, name=form.cleaned_data["name"], origin=origin
                )
                context["new_token"], context["new_token_row"] = token, row
                forms["token_form"] = TokenForm()  # empty again: the next token is another
        elif action == "revoke":
            token_id = request.POST.get("token", "")
            found = get_object_or_404(
                ApiToken.objects.select_related("user"),
                pk=int(token_id) if token_id.isdigit() else 0,
                user=subject,
            )
            account_token_revoke(actor=actor, token=found, origin=origin)
            messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": found.prefix})
            return back
        else:
            context["action_error"] = _("Choose what to do.")
    except AccountRefused as error:
        if error.field == "active":
            context["active_error"] = str(error.message)
        else:
            target = {"roles": "roles_form", "password": "password_form", "name": "token_form"}[error.field]
            _refused_on(forms[target], error)
    return None


@require_http_methods(["GET", "POST"])
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivating a user, confirmed with a reason on a page that lists what they hold (the open cases they
    own, where they are the victim's contact person, their posts): those go back to their unit when done."""
    actor, origin = _user(request), request_origin(request, "web")
    if not may_manage_users(actor):
        raise _refuse(actor, origin, action="change" if request.method == "POST" else "view", object_id=pk)
    subject = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    if not subject.is_active:
        messages.info(request, _("This user is deactivated already."))
        return redirect("accounts:user", pk=subject.pk)
    form = DeactivateForm(request.POST or None)
    active_error = ""
    if request.method == "POST" and form.is_valid():
        try:
            done = account_set_active(
                actor=actor, user=subject, active=False, origin=origin, reason=form.cleaned_data["reason"]
            )
        except AccountRefused as error:
            if error.field == "active":
                active_error = str(error.message)
            else:
                _refused_on(form, error)
        else:
            said = [
                _(
                    "The user is deactivated. What they held is back with their unit, whose team leads "
                    "are told."
                )
            ]
            if done is not None and done.posts_ended:
                said.append(_("Their posts ended."))
            messages.success(request, " ".join(str(part) for part in said))
            return redirect("accounts:user", pk=subject.pk)
    elif request.method == "GET":
        read(actor=actor, object_type=USER, purpose=USERS_PURPOSE, object_id=subject.pk, origin=origin)
    return render(
        request,
        "accounts/user_deactivate.html",
        {
            "subject": subject,
            "form": form,
            "holdings": user_holdings_of(subject),
            "active_error": active_error,
            "own": subject.pk == actor.pk,
        },
        status=200 if request.method == "GET" else 422,
    )


@require_http_methods(["GET", "POST"])
def user_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Moving a user to another unit of the same kind, with the day and a reason, on a page that lists what
    they hold: their open cases go back to the unit they leave, their posts there end, their API tokens are
    revoked."""
    actor, origin = _user(request), request_origin(request, "web")
    if not may_manage_users(actor):
        raise _refuse(actor, origin, action="change" if request.method == "POST" else "view", object_id=pk)
    subject = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    offered = user_move_choices(subject)
    form = MoveForm(request.POST if request.method == "POST" else None, offered=offered)
    if request.method == "POST":
        valid = form.is_valid()
        data = form.cleaned_data
        problems = account_move_problems(
            actor=actor,
            user=subject,
            organisation=data.get("organisation"),
            on=data.get("on"),
            reason=data.get("reason"),
        )
        _refused_on_all(form, problems)
        if valid and not problems:
            previous = subject.organisation
            try:
                moved = account_move(
                    actor=actor,
                    user=subject,
                    organisation=data["organisation"],
                    on=data["on"],
                    reason=data["reason"],
                    origin=origin,
                )
            except AccountRefused as error:  # moved meanwhile by another administrator
                _refused_on(form, error)
                return _move_page(request, subject, form, offered, status=422)
            said = [
                _(
                    "The user now belongs to %(unit)s. What they held in %(previous)s is back with that "
                    "unit, whose team leads are told."
                )
                % {"unit": data["organisation"].name, "previous": previous.name if previous else "—"}
            ]
            if moved.posts_ended:
                said.append(_("Their posts there ended."))
            if moved.tokens_revoked:
                said.append(_("Their API tokens are revoked."))
            messages.success(request, " ".join(str(part) for part in said))
            return redirect("accounts:user", pk=subject.pk)
    else:
        read(actor=actor, object_type=USER, purpose=USERS_PURPOSE, object_id=subject.pk, origin=origin)
    return _move_page(request, subject, form, offered, status=200 if request.method == "GET" else 422)


def _move_page(
    request: HttpRequest, subject: User, form: MoveForm, offered: list[Any], *, status: int
) -> HttpResponse:
    return render(
        request,
        "accounts/user_move.html",
        {
            "subject": subject,
            "form": form,
            "offered": offered,
            "holdings": user_holdings_of(subject),
            "tokens": [token for token in user_tokens(subject) if not token.revoked],
            "error_summary": error_items(form) if form.is_bound else [],
        },
        status=status,
    )


SECTIONS = (
    ("roles_form", _lazy("Change the roles")),
    ("password_form", _lazy("Reset the password")),
    ("second_factor_form", _lazy("Reset the second factor")),
    ("token_form", _lazy("New API token")),
)


def _error_summary(forms: dict[str, Any], context: dict[str, Any]) -> list[ErrorItem]:
    """The error summary of the user's page: what the form that came back refused, each line naming the
    form's section and linking to its field."""
    items = [ErrorItem(context["action_error"])] if context.get("action_error") else []
    if context["active_error"]:
        items.append(ErrorItem(f"{_('Access')}: {context['active_error']}", "active_button"))
    for key, section in SECTIONS:
        if forms[key].is_bound:
            items += error_items(forms[key], prefix=str(section))
    return items
