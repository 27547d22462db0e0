"""Fixtures of the prosecution tests."""

from __future__ import annotations

from typing import Any

import pytest

from ketenzicht.organisations.models import Organisation, PostKind
from ketenzicht.organisations.services import post_assign


@pytest.fixture
def eva(make_user: Any, reference_data: Any) -> Any:
    """The prosecutor for domestic violence and stalking of Oost-Brabant's district office, on her post."""
    user = make_user("prosecutor", organisation="om-oost-brabant", username="eva")
    post_assign(
        organisation=Organisation.objects.get(code="om-oost-brabant"), user=user, kind=PostKind.DV_PROSECUTOR
    )
    return user
