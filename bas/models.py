"""Business Administration Support: the service menus, colleagues' requests behind cases, skills.

A request is a case on the engine (oxtom/cases) with the colleague as its staff requester; the
`BasRequest` row holds what only business admin knows about it: the menu item, the date agreed
with the requester, the hand-over and the rating. Only bas/services.py writes these tables.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

MAX_TARGET_WORKING_DAYS = 60


class Directorate(models.Model):
    """A directorate of the council and the BAS team aligned to it (Sue's requests go to hers).

    A colleague's directorate is found from the teams they belong to (`teams`); anyone whose
    teams are in none is served by the default directorate's BAS team.
    """

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    bas_team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="bas_directorates",
                                 help_text="The business admin team that serves this directorate")
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="directorates",
                                   help_text="The teams that belong to this directorate")
    is_default = models.BooleanField(default=False, help_text="Serves colleagues whose teams are in no directorate")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                               name="bas_one_default_directorate"),
                       models.UniqueConstraint(Lower("name"), name="bas_directorate_name_ci")]

    def __str__(self) -> str:
        return self.name


class Menu(models.Model):
    """One menu of services: the generic menu every colleague sees, or a service-specific one.

    A service-specific menu belongs to a directorate (the service it is for). A retired menu leaves the
    colleagues' menu and takes no new requests; its items and their requests stay, so history shows as it was.
    The generic menu cannot be retired.
    """

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    is_generic = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=10)
    directorate = models.ForeignKey(Directorate, null=True, blank=True, on_delete=models.PROTECT, related_name="menus",
                                    help_text="The directorate whose services this menu is for (none: the generic menu)")
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="bas_menu_name_ci")]

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def __str__(self) -> str:
        return self.name


class MenuItem(models.Model):
    """Something business admin does for colleagues, as data a BAS manager edits.

    Its casework service carries the target (working days, England and Wales calendar) the
    engine's clock runs to; `team` set sends every request to that team, empty sends each to
    the BAS team of the requester's directorate.
    """

    menu = models.ForeignKey(Menu, on_delete=models.PROTECT, related_name="items")
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(max_length=1000)
    what_to_provide = models.TextField(max_length=1000, blank=True)
    target_working_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_WORKING_DAYS)])
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text="Empty: the BAS team of the requester's directorate")
    service = models.OneToOneField("casework.Service", on_delete=models.PROTECT, related_name="bas_item")
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=10)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["menu__position", "position", "name"]

    def __str__(self) -> str:
        return self.name


class BasRequest(models.Model):
    """A colleague's request for a menu item: the record behind its case."""

    class DateState(models.TextChoices):
        NONE = "none", "No date proposed yet"
        PROPOSED = "proposed", "Date proposed by the officer"
        COUNTERED = "countered", "Other date asked for by the requester"
        AGREED = "agreed", "Date agreed"

    case = models.OneToOneField("casework.Case", on_delete=models.PROTECT, related_name="bas_request")
    item = models.ForeignKey(MenuItem, on_delete=models.PROTECT, related_name="requests")
    directorate = models.ForeignKey(Directorate, on_delete=models.PROTECT, related_name="requests")
    details = models.TextField(max_length=5000)
    needed_by = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    date_state = models.CharField(max_length=12, choices=DateState.choices, default=DateState.NONE)
    proposed_date = models.DateField(null=True, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    agreed_date = models.DateField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_note = models.TextField(max_length=5000, blank=True)
    on_time = models.BooleanField(null=True, help_text="Delivered on or before the target date")
    working_days = models.PositiveIntegerField(null=True, blank=True, help_text="Working days to delivery")
    rating = models.PositiveSmallIntegerField(null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    rating_comment = models.TextField(max_length=2000, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], name="bas_request_created"),
            models.Index(fields=["delivered_at"], name="bas_request_delivered",
                         condition=models.Q(delivered_at__isnull=False)),
        ]
        constraints = [models.CheckConstraint(
            condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
            name="bas_request_rating_1_to_5")]

    def __str__(self) -> str:
        return f"{self.item} ({self.case_id})"

    @property
    def reference(self) -> str:
        return self.case.reference


class Attachment(models.Model):
    """A file on a request: what the requester sent with it, or the deliverable handed over."""

    class Kind(models.TextChoices):
        BRIEF = "brief", "Sent with the request"
        DELIVERABLE = "deliverable", "Deliverable"

    request = models.ForeignKey(BasRequest, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    file = models.FileField(upload_to="bas/%Y/%m/")
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=100)  # an Office type is up to 73 characters
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.filename


class Message(models.Model):
    """A message between the officer and the requester on a request (both read them all)."""

    request = models.ForeignKey(BasRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(max_length=2000)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"Message on {self.request_id}"


class OfficerSkill(models.Model):
    """How well an officer does one kind of work on the menu, as they record it."""

    class Level(models.IntegerChoices):
        LEARNING = 1, "Learning"
        SKILLED = 2, "Skilled"
        EXPERT = 3, "Expert"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bas_skills")
    item = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="skills")
    level = models.PositiveSmallIntegerField(choices=Level.choices)

    class Meta:
        ordering = ["item", "-level"]
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="bas_skill_once")]

    def __str__(self) -> str:
        return f"{self.user}: {self.item} ({self.get_level_display()})"
