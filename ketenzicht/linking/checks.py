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
