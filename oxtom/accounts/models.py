"""Users, and the staff teams officers belong to."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .permissions import Permission
from .roles import ROLES_BY_CODE, roles_for_codes


def validate_role_codes(value: list[str]) -> None:
    if not isinstance(value, list) or any(code not in ROLES_BY_CODE for code in value):
        raise ValidationError(f"Unknown role in {value!r}.")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("roles", ["administrator"])
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A sign-in. Residents' personal details live on their Customer record, not here."""

    email = models.EmailField(unique=True, max_length=254)
    full_name = models.CharField(max_length=150, blank=True)
    roles = models.JSONField(default=list, blank=True, validators=[validate_role_codes])
    # A councillor is the member for one division (places keeps boundary versions).
    member_division = models.ForeignKey(
        "places.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    # A councillor's published contact details, shown on their division's public page: the
    # council email and office phone the council publishes for them, never a home address.
    public_email = models.EmailField(blank=True, help_text="Published council email (councillors)")
    public_phone = models.CharField(max_length=32, blank=True, help_text="Published office phone (councillors)")
    is_active = models.BooleanField(default=True)
    # Django admin access only; platform authorisation uses roles.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def role_objects(self):
        return roles_for_codes(self.roles or [])

    def has_role(self, code: str) -> bool:
        return code in (self.roles or [])

    def has_permission(self, permission: Permission) -> bool:
        if not self.is_active:
            return False
        return any(permission in role.permissions for role in self.role_objects)

    def _team_roles(self) -> dict[int, str]:
        """{team id: role code} for the roles this user holds in particular teams (read once per instance)."""
        cached = getattr(self, "_team_roles_cache", None)
        if cached is None:
            cached = {} if self.pk is None else dict(
                TeamMembership.objects.filter(user_id=self.pk).exclude(team_role="").values_list("team_id", "team_role"))
            self._team_roles_cache = cached
        return cached

    def team_ids_granting(self, permission: Permission) -> list[int]:
        """Teams where a role held in the team (TeamMembership.team_role) gives `permission`."""
        if not self.is_active:
            return []
        return [team_id for team_id, code in self._team_roles().items()
                if code in ROLES_BY_CODE and permission in ROLES_BY_CODE[code].permissions]

    def has_team_permission(self, permission: Permission, team_id: int | None = None) -> bool:
        """`permission` from the user's own roles, or from a role held in team `team_id` (any team when None).

        Team membership itself is still checked by whoever asks (can_work_case): this says what the
        person may do, not which team's work is theirs.
        """
        if self.has_permission(permission):
            return True
        granting = self.team_ids_granting(permission)
        return bool(granting) if team_id is None else team_id in granting

    @property
    def can_enter_staff_area(self) -> bool:
        if not self.is_active:
            return False
        return any(r.staff_area for r in self.role_objects) or bool(self._team_roles())

    @property
    def can_enter_member_area(self) -> bool:
        return self.is_active and any(r.member_area for r in self.role_objects)

    @property
    def is_privileged(self) -> bool:
        """Staff and councillors: two-factor sign-in and shorter sessions apply."""
        return self.can_enter_staff_area or self.can_enter_member_area


class Team(models.Model):
    """A staff team that owns a queue of work (e.g. Highways North)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# The roles a team membership may carry for that team only (oxtom/accounts/roles.py).
TEAM_ROLE_CHOICES = [("", "None: their own roles decide"), ("officer", "Officer of this team"),
                     ("team_leader", "Team leader of this team")]


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="team_memberships")
    is_leader = models.BooleanField(default=False)
    # A role held in this team only: its permissions apply to this team's queue and cases, nowhere
    # else (a business-admin officer works the business-admin queue without officer rights elsewhere).
    team_role = models.CharField(max_length=32, blank=True, default="", choices=TEAM_ROLE_CHOICES,
                                 help_text="A role held for this team's work only")

    def grants(self, permission: Permission) -> bool:
        """Whether this membership gives `permission` for the team's work (the user's own roles aside)."""
        role = ROLES_BY_CODE.get(self.team_role or "")
        return bool(role and permission in role.permissions and self.user.is_active)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]
