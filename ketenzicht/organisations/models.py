"""Organisations of the chain, the regions they cover, and the people who use Ketenzicht."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import OrganisationKind, Role


class Organisation(models.Model):
    """A police unit, a Veilig Thuis region, a prosecution district office, or a national organisation."""

    code = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices, db_index=True)
    name = models.CharField(max_length=200)
    # The CBS code of the safety region a Veilig Thuis organisation covers (VR01..VR25), else empty.
    region_code = models.CharField(max_length=8, blank=True)
    # A district office matches one police unit; empty for other kinds.
    police_unit = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="district_offices"
    )
    # What the references of this organisation's registrations start with, before a '-': PL0600 for a
    # police unit, VT21 for a Veilig Thuis region, OM0600 for a district office; empty if it registers none.
    reference_prefix = models.CharField(max_length=16, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality by its CBS code, with the organisations that serve it."""

    code = models.CharField(max_length=6, unique=True)  # GMxxxx
    name = models.CharField(max_length=200)
    police_unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="municipalities_policed"
    )
    vt_region = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="municipalities_vt")
    district_office = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="municipalities_prosecuted"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "municipalities"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ReferenceDataVersion(models.Model):
    """Which version of a reference data set is loaded, with the content hash of its files."""

    dataset = models.CharField(max_length=64, unique=True)
    version = models.CharField(max_length=32)
    content_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.dataset} {self.version}"


class User(AbstractUser):
    """A person who uses Ketenzicht: belongs to one organisation, holds one or more roles."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    @property
    def display_name(self) -> str:
        """The name pages, messages and histories give the user: the full name, else the login name."""
        return self.get_full_name() or self.get_username()

    @property
    def name_with_login(self) -> str:
        """The name where the login name must be told too (the access log, a break-the-glass review):
        "Ingrid de Vries (ingrid)", the login name alone for a user without a name."""
        name = self.get_full_name()
        return f"{name} ({self.get_username()})" if name else self.get_username()

    @property
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.roles.values_list("role", flat=True)) if self.pk else frozenset()
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))

    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in sorted(self.role_codes)]


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user} {self.role}"


class ApiToken(models.Model):
    """A token for machine access to the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class PostKind(models.TextChoices):
    """A named task a user holds within their organisation, beside their roles."""

    DV_PROSECUTOR = "dv_prosecutor", _("Prosecutor for domestic violence and stalking")
    DV_SUBSTITUTE = "dv_substitute", _("Substitute prosecutor for domestic violence and stalking")
    ZSM_COORDINATOR = "zsm_coordinator", _("ZSM coordinator")
    NATIONAL_PORTFOLIO = "national_portfolio", _("National portfolio holder for domestic violence")


class Post(models.Model):
    """Who holds a post in an organisation: the district office's prosecutor for domestic violence and
    stalking, their substitute, the ZSM coordinator, the national portfolio holder. An absence (from, until,
    both inclusive) hands the post's cases to the substitute for that period."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="posts")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="posts")
    kind = models.CharField(max_length=32, choices=PostKind.choices)
    absent_from = models.DateField(null=True, blank=True)
    absent_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user", "kind"], name="unique_post_holder"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.kind} {self.user}"

    def absent_on(self, day: date) -> bool:
        if self.absent_from is None:
            return False
        return self.absent_from <= day and (self.absent_until is None or day <= self.absent_until)


class UnitMove(models.Model):
    """A user moved from one organisation (unit) to another of the same kind, from `on`: by whom, why. The
    user's units over time follow from these (the first since they were created, each next from its move's
    day); a move is never changed or deleted."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="unit_moves")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    on = models.DateField()
    moved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    # When the move was saved; the history lines of the cases it gave back carry the same time.
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "on", "id"]

    def __str__(self) -> str:
        return f"{self.user} {self.from_organisation.code} -> {self.to_organisation.code} {self.on}"


class MemberAbsence(models.Model):
    """An absence of a member of a police unit or a Veilig Thuis organisation who holds no post (a case
    screener, a case director, an assessor): from `absent_from` until `absent_until` (both inclusive; no end:
    until further notice). One at a time per person, recorded by a team lead of their organisation or by
    themselves; clearing it deletes the row (the access log keeps who recorded and cleared what). The kernel
    reads it beside a post's absence (`selectors.absences_on`). Decision 0019."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="member_absence")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    absent_from = models.DateField()
    absent_until = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} {self.absent_from}..{self.absent_until or ''}"

    def absent_on(self, day: date) -> bool:
        return self.absent_from <= day and (self.absent_until is None or day <= self.absent_until)
