"""The roles a user of Ketenzicht can hold. A user has one or more of these within one organisation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    POLICE_REGISTRAR = "police_registrar", _("Police registrar")
    CASE_SCREENER = "case_screener", _("Police case screener")
    CASE_OWNER = "case_owner", _("Case owner (casusregisseur)")
    TEAM_LEAD = "team_lead", _("Team lead")
    VT_ASSESSOR = "vt_assessor", _("Veilig Thuis assessor")
    CHAIN_CONTACT = "chain_contact", _("Chain contact")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    VICTIM_SUPPORT = "victim_support", _("Victim-support worker")
    PROBATION = "probation", _("Probation worker")
    NATIONAL_ANALYST = "national_analyst", _("National analyst")
    FUNCTIONAL_ADMIN = "functional_admin", _("Functional administrator")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")


class OrganisationKind(models.TextChoices):
    """Kinds of organisation. The first five are also the `source` values of exchange format v1."""

    POLITIE = "politie", _("Police")
    VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis")
    OM = "om", _("Public Prosecution Service")
    SLACHTOFFERHULP = "slachtofferhulp", _("Victim Support Netherlands")
    RECLASSERING = "reclassering", _("Probation Service")
    BEHEER = "beheer", _("Ketenzicht administration")


# Which roles a user of each kind of organisation may hold: a police role in a police unit, a Veilig Thuis
# role at Veilig Thuis, and so on. The national analyst works at the police's national unit or at
# Ketenzicht's administration. The functional administrator's pages offer only these.
ROLES_BY_KIND: dict[str, tuple[Role, ...]] = {
    OrganisationKind.POLITIE: (
        Role.POLICE_REGISTRAR,
        Role.CASE_SCREENER,
        Role.CASE_OWNER,
        Role.TEAM_LEAD,
        Role.NATIONAL_ANALYST,
    ),
    OrganisationKind.VEILIG_THUIS: (Role.VT_ASSESSOR, Role.TEAM_LEAD, Role.CHAIN_CONTACT),
    OrganisationKind.OM: (Role.PROSECUTOR,),
    OrganisationKind.SLACHTOFFERHULP: (Role.VICTIM_SUPPORT,),
    OrganisationKind.RECLASSERING: (Role.PROBATION,),
    OrganisationKind.BEHEER: (Role.FUNCTIONAL_ADMIN, Role.PRIVACY_OFFICER, Role.NATIONAL_ANALYST),
}


def roles_fitting(kind: str) -> tuple[Role, ...]:
    """The roles a user of an organisation of `kind` may hold (none for an unknown kind)."""
    return ROLES_BY_KIND.get(kind, ())
