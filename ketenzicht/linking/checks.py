"""A system check: the trained person model must fit the comparison spec, or intake cannot link."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register


@register()
def link_model_fits(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from .online import link_model

    try:
        link_model()
    except (OSError, ValueError, KeyError) as exc:
        return [
            Error(
                f"the person-linking model cannot be used: {exc}",
                hint="train a model that fits the spec: manage.py link_persons --rebuild --retrain, "
                "or point KETENZICHT_LINK_MODEL at one",
                id="linking.E001",
            )
        ]
    return []


@register()
def context_model_fits(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from .online import context_model

    try:
        context_model()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [
            Error(
                f"the relation-context model cannot be used: {exc}",
                hint="estimate one (bench/linking/context.py --save-context), point KETENZICHT_LINK_CONTEXT "
                "at it, or set KETENZICHT_LINK_CONTEXT empty to switch the relation term off",
                id="linking.E002",
            )
        ]
    return []
