"""What Veilig Thuis tells a police case in its history (a notification forwarded to another region) is
written in the installation's language and shown in the reader's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ketenzicht.organisations.models import Organisation
from ketenzicht.veiligthuis.services import notification_forward
from ketenzicht.workprocesses.services import case_assign_owner
from tests.veiligthuis.test_police_told import _notified

pytestmark = pytest.mark.django_db


def test_the_forward_s_line_on_the_police_case_follows_the_readers_language(
    make_user: Callable[..., Any],
) -> None:
    notification, police_case = _notified("PL0600-PW-1")
    owner = make_user("case_owner")
    case_assign_owner(police_case, owner=owner, actor=owner, expected_version=None)
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    to = Organisation.objects.get(code="vt-amsterdam-amstelland")
    forwarded = notification_forward(notification, to=to, actor=assessor, reason="Slachtoffer verhuisd.")
    refs = (notification.case.reference, forwarded.case.reference)
    english = (
        f"{notification.organisation.name} forwarded notification {refs[0]} to {to.name} (notification "
        f"{refs[1]}): the feedback comes from there."
    )
    dutch = (
        f"{notification.organisation.name} stuurde melding {refs[0]} door naar {to.name} "
        f"(melding {refs[1]}): de terugkoppeling komt vandaar."
    )
    client = Client()
    client.force_login(owner)
    for language, words, other in (("en", english, dutch), ("nl", dutch, english)):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(reverse("workprocesses:case-detail", args=[police_case.pk])).content.decode()
        page = page.replace("&#x27;", "'")
        assert words in page and other not in page, language
