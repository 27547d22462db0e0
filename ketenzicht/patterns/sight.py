"""What the pattern signals may rest on. Signals are a police instrument (the signals list, the signal page,
the alerts to a case owner, the screening case's panel, the dossier, the API), so they are detected over
the registrations the police may see or count under the sharing rules: a signal that rested on a Veilig
Thuis file the police may neither see nor count would tell them that the file exists. Derived from the
sharing rules (`registrations.sharing.kind_sight`) for the roles that work the signals; the online update
and the detection over the whole register both read their registrations through it (`loading.py`)."""

from __future__ import annotations

from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.registrations.sharing import KindSight, kind_sight

# Who works a unit's signals list: the police case screeners and case owners of that unit.
SIGNAL_KIND = OrganisationKind.POLITIE
SIGNAL_ROLES = (Role.CASE_SCREENER, Role.CASE_OWNER)


def detection_sight() -> KindSight:
    """The registrations a signal may rest on: those of a source the police count (their own, every unit's),
    or see in a scope decided by source and unit (Veilig Thuis's report made for a police unit)."""
    return kind_sight(SIGNAL_KIND, SIGNAL_ROLES)
