"""The JSON API, version 1. Each app keeps its own router; this module mounts them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from ketenzicht.audit.access import NOT_FOUND_BODY, NotVisible
from ketenzicht.dossiers.api import router as dossiers_router
from ketenzicht.intake.api import add_routes as add_intake_routes
from ketenzicht.organisations.selectors import user_for_api_token
from ketenzicht.patterns.api import router as patterns_router
from ketenzicht.registrations.api import router as registrations_router


class TokenAuth(HttpBearer):
    """`Authorization: Bearer kz_...` with a token made by `manage.py create_api_token`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_api_token(token)
        if user is not None:
            request.user = user
        return user


_ERROR = {
    "type": "object",
    "properties": {"detail": {"description": "what is wrong: a text, or a list of invalid fields"}},
    "required": ["detail"],
}
_ERRORS = {
    "400": "The body is no JSON of the expected shape",
    "401": "No valid session or token",
    "403": "The caller's role or organisation may not do this (logged as refused)",
    "404": "No such object, or none the caller may see",
    "413": "The body is larger than the upload limit",
    "422": "A parameter or a field of the body is invalid; `detail` names it",
}


class KetenzichtAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """The spec with the error answers of every operation documented (an operation may document its own
        error body, as the intake route does), its answers keyed by status as text."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                codes = {"401", "403", "422"}
                if "{" in path:
                    codes.add("404")
                if "requestBody" in operation:
                    codes |= {"400", "413"}
                # One key per status: ninja's default answer is keyed 200 (a number), an operation's own
                # "200" (text) would be a second key in the JSON, which Swagger UI refuses to parse.
                responses = operation["responses"] = {
                    str(code): answer for code, answer in operation.get("responses", {}).items()
                }
                for code in sorted(codes):
                    responses.setdefault(
                        code,
                        {"description": _ERRORS[code], "content": {"application/json": {"schema": _ERROR}}},
                    )
        return schema


api = KetenzichtAPI(
    title="Ketenzicht API",
    version="1",
    description="Registrations in and out in exchange format v1. Every route needs a session or a token.",
    urls_namespace="api-v1",
    auth=[TokenAuth(), django_auth],
    docs_decorator=login_required,
)


@api.exception_handler(NotVisible)
def not_visible(request: HttpRequest, exc: NotVisible) -> HttpResponse:
    """Missing and forbidden alike: the one 404 body (the refusal was logged where it was raised)."""
    return api.create_response(request, NOT_FOUND_BODY, status=404)


add_intake_routes(registrations_router)
api.add_router("/", registrations_router)
api.add_router("/", dossiers_router)
api.add_router("/", patterns_router)


@api.exception_handler(RequestDataTooBig)
def body_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 with a JSON error, not a 400 page or a 500 traceback."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return api.create_response(
        request, {"detail": f"the request body is larger than the limit of {limit} bytes"}, status=413
    )
