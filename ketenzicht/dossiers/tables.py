"""The dossier's table of registrations as HTML, written in Python: a long history is hundreds of rows, and
the template language spends most of the page's time on them (about 20 lookups and filters per row).
Every text is escaped here; the markup is the same as the template's other tables (NL Design System)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ketenzicht.linking.models import LinkMethod

from .engine.dossier import DossierLine
from .purpose import PERSON_PARAM


def registration_rows(lines: Sequence[DossierLine], *, person_id: int | None = None) -> SafeString:
    """The <tr> rows of the dossier's registrations table, one per line. With `person_id` the links to the
    registrations carry the dossier's purpose (`?persoon=<id>`): another unit's registration opens only so.
    A doubtful link points to its review item only when the user may open that item (`review_item_id`)."""
    carry = f"?{PERSON_PARAM}={person_id}" if person_id is not None else ""
    date_format = get_format("SHORT_DATE_FORMAT")
    badge = '<span class="utrecht-status-badge{}">{}</span>'
    stalking = badge.format("", escape(_("art. 285b")))
    breach = badge.format(" utrecht-status-badge--warning", escape(_("breach of a measure")))
    violence = badge.format(" utrecht-status-badge--danger", escape(_("violence")))
    first_mention = escape(_("first mention"))
    # The column is the incident's date; without one, the registration's, said so.
    registered = escape(pgettext("date of a registration", "registered"))
    by_reviewer: dict[str, str] = {
        LinkMethod.REVIEW: escape(_("joined by a reviewer")),
        LinkMethod.SPLIT: escape(_("split off by a reviewer")),
    }
    doubtful_text = escape(_("doubtful"))  # outside the f-string, where makemessages finds it
    doubtful = (
        ' <span class="utrecht-status-badge utrecht-status-badge--warning" data-testid="doubtful-link">'
        f"{doubtful_text}</span> "
    )
    to_queue, waits = escape(_("to the review queue")), escape(_("waits in the review queue"))
    cell = '<td class="utrecht-table__cell">'
    link = '<a class="utrecht-link utrecht-link--html-a" href="{}">{}</a>'
    out: list[str] = []
    for line in lines:
        registration = line.registration
        offences = ", ".join(f"art. {escape(o.article)} ({escape(o.label)})" for o in line.offences) or "—"
        flags = ((line.stalking, stalking), (line.breach, breach), (line.violence, violence))
        markers = " ".join(html for flag, html in flags if flag)
        if line.method in by_reviewer:
            # A reviewer's word, not the linker's estimate (a moved link keeps the probability it had).
            confidence = by_reviewer[line.method]
        elif line.probability is not None:
            # As a percentage ("99,9 %"), not a raw score ("0,999"): the chance that this registration's
            # mention is this person, as the linker estimated it.
            confidence = escape(f"{floatformat(min(line.probability, 1.0) * 100, -1)} %")
        else:
            confidence = first_mention
        if line.review_item_id is not None:
            where = reverse("linking:review-detail", args=[line.review_item_id])
            confidence += doubtful + link.format(escape(where), to_queue)
        elif line.doubtful:
            confidence += doubtful + waits
        detail = reverse("registrations:detail", args=[registration.pk]) + carry
        out.append(
            '<tr class="utrecht-table__row">'
            f"{cell}{escape(dateformat.format(localtime(line.when), date_format))}"
            f"{'' if line.occurred else f' ({registered})'}</td>"
            f"{cell}{link.format(escape(detail), escape(registration.reference))}</td>"
            f"{cell}{escape(registration.get_source_display())}</td>"
            f"{cell}{escape(line.role_label)}</td>"
            f"{cell}{offences}</td>"
            f"{cell}{markers}</td>"
            f"{cell}{escape('; '.join(line.others)) or '—'}</td>"
            f"{cell}{confidence}</td>"
            "</tr>"
        )
    return mark_safe("\n".join(out))  # every text in it is escaped above
