"""The intake route: one exchange-format registration in, through the intake pipeline."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from ketenzicht.audit.services import request_origin
from ketenzicht.organisations.selectors import api_caller
from ketenzicht.registrations.exchange import Problem, RegistrationIn, decode_json
from ketenzicht.registrations.services import RegistrationInvalid

from .pipeline import IntakeForbidden, intake_registration

_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
                "required": ["field", "reason"],
            },
        }
    },
    "required": ["errors"],
}
_CREATED_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "source": {"type": "string"},
        "reference": {"type": "string"},
        "created": {"type": "boolean"},
        "conflict": {"type": "boolean"},
    },
    "required": ["id", "source", "reference", "created", "conflict"],
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON schema with its `#/$defs/...` references replaced by the definitions: in the OpenAPI
    document those references point at its root, where there are no `$defs` (the spec was broken)."""
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(
                    {**defs[ref.removeprefix("#/$defs/")], **{k: v for k, v in node.items() if k != "$ref"}}
                )
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return inline(schema)  # type: ignore[no-any-return]


OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inlined(RegistrationIn.model_json_schema(by_alias=True))}
        },
    },
    "responses": {
        "201": _json(_CREATED_SCHEMA, "Stored"),
        "200": _json(_CREATED_SCHEMA, "Already present (same source and reference); nothing changed"),
        "403": _json(_ERROR_SCHEMA, "Not allowed to register for this source or unit"),
        "422": _json(_ERROR_SCHEMA, "Invalid; every bad field is named and nothing is stored"),
    },
}


def registration_post(request: HttpRequest) -> HttpResponse:
    try:
        data = decode_json(request.body or b"null")
    except Problem as problem:
        return JsonResponse({"errors": [{"field": "(body)", "reason": str(problem)}]}, status=422)
    try:
        result = intake_registration(
            actor=api_caller(request), data=data, channel="api", origin=request_origin(request, "api")
        )
    except IntakeForbidden as exc:
        return JsonResponse(
            {"errors": [{"field": e.field, "reason": e.reason} for e in exc.errors]}, status=403
        )
    except RegistrationInvalid as exc:
        return JsonResponse(
            {"errors": [{"field": e.field, "reason": e.reason} for e in exc.errors]}, status=422
        )
    registration = result.registration
    body = {
        "id": registration.pk,
        "source": registration.source,
        "reference": registration.reference,
        "created": result.created,
        "conflict": result.conflict,
    }
    return JsonResponse(body, status=201 if result.created else 200)


def add_routes(router: Router) -> None:
    """Mount the intake route on the router that owns `/registrations` (GET and POST share one path)."""
    router.add_api_operation(
        "/registrations",
        ["POST"],
        registration_post,
        summary="Register one registration (exchange format v1)",
        tags=["intake"],
        openapi_extra=OPENAPI,
    )
