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

    @property
    def can_enter_staff_area(self) -> bool:
        return self.is_active and any(r.staff_area for r in self.role_objects)

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


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="team_memberships")
    is_leader = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]
