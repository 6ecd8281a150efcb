"""Starters, leavers and staff IT access requests: HR records, the narrowest access in the platform.

Each starter, leaver and access request is behind a case on the kernel's engine (oxtom/cases), whose
requester is a member of staff (the hiring manager, the leaver's manager, the person asking for access):
the case gives the team queue, the clock and the history; these records hold what only HR knows
(the checklist, the start date, the personal email the starter is reached at before day one).

Written only by people/onboarding/services.py; read through people/onboarding/selectors.py, which
scope every list to the reader (a manager sees only their own starters and leavers).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

# The council systems staff ask the ICT service desk about (the platform's own sign-in resets itself).
SYSTEMS = [
    ("microsoft-365", "Microsoft 365 (email, Teams, OneDrive)"),
    ("network", "Network sign-in (Windows)"),
    ("sap-hr", "SAP HR and payroll"),
    ("mosaic", "Mosaic (social care records)"),
    ("confirm", "Confirm (highways asset management)"),
    ("finance", "Finance system (purchase orders and invoices)"),
    ("vpn", "Remote access (VPN)"),
    ("other", "Another system (say which below)"),
]
SYSTEM_NAMES = dict(SYSTEMS)


class Onboarding(models.Model):
    """One starter, from the accepted offer to the end of their first week."""

    class Status(models.TextChoices):
        OPEN = "open", "Getting ready"  # before the start date
        STARTED = "started", "Started"  # the account was switched on on the start date
        CANCELLED = "cancelled", "Cancelled"

    # The offer recruitment accepted (people.registry.Starter.offer_id): the hook is idempotent on it.
    offer_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    vacancy_reference = models.CharField(max_length=40, blank=True)
    role_profile = models.ForeignKey("people.RoleProfile", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=150)
    # Where the starter is reached before they have a council address: HR data, never shown to other staff.
    personal_email = models.EmailField()
    phone = models.CharField(max_length=32, blank=True)
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="starters_managed")
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    buddy = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="starters_buddied")
    start_date = models.DateField(null=True, blank=True)
    # The staff sign-in made before the start date, inactive until it (oxtom.accounts User).
    account = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="onboarding")
    case = models.OneToOneField("casework.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    # The starter's own page before day one: only the hash of the link's token is kept.
    portal_token_hash = models.CharField(max_length=64, unique=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Set when the account is switched on: was every day-one item ready by the start date (the measure)?
    day_one_ready = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [
            # The activation job: open starters whose start date has come.
            models.Index(fields=["start_date", "id"], name="onboarding_to_activate",
                         condition=models.Q(status="open", activated_at__isnull=True)),
            # A manager's starters, soonest first (keyset on start date, id).
            models.Index(fields=["manager", "start_date", "id"], name="onboarding_by_manager"),
        ]

    def __str__(self) -> str:
        return self.name


class ItemGroup(models.TextChoices):
    BUDDY = "buddy", "Buddy"
    ELEARNING = "elearning", "Before day one: e-learning"
    DAY_ONE = "day_one", "Ready for day one"
    ACCESS = "access", "System access"
    TRAINING = "training", "First week"
    # Leavers
    LEAVING = "leaving", "Leaving"


class ItemOwner(models.TextChoices):
    """Who ticks an item: the page each of them sees lists theirs."""

    MANAGER = "manager", "Line manager"
    COORDINATOR = "coordinator", "Recruitment co-ordinator"
    ICT = "ict", "ICT service desk"
    STARTER = "starter", "The starter"
    SYSTEM = "system", "The platform"


class OnboardingItem(models.Model):
    """A checklist line, made from the role profile when the case opens."""

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(max_length=40)
    title = models.CharField(max_length=200)
    group = models.CharField(max_length=12, choices=ItemGroup.choices)
    owner = models.CharField(max_length=12, choices=ItemOwner.choices)
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["onboarding", "code"], name="unique_onboarding_item")]

    def __str__(self) -> str:
        return self.title


class BuddyMessage(models.Model):
    """A note from the buddy to the starter before day one (sent through the outbox, shown on the portal)."""

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=2000)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]


class LineReport(models.Model):
    """Who manages whom: what lets a manager record a leaver, move someone's role or confirm their identity."""

    staff = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="line_report")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="line_reports")
    role_profile = models.ForeignKey("people.RoleProfile", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")


class Leaver(models.Model):
    """A member of staff leaving: the checklist, and the account closed on the leaving date."""

    class Status(models.TextChoices):
        OPEN = "open", "Leaving"
        LEFT = "left", "Left"
        CANCELLED = "cancelled", "Cancelled"

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leavings")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leavers_managed")
    last_working_day = models.DateField()
    case = models.OneToOneField("casework.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    recorded_at = models.DateTimeField()
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # What was ended, kept for the record: [{"team": slug, "team_role": ...}, ...]
    ended_memberships = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["last_working_day", "id"]
        constraints = [models.UniqueConstraint(fields=["account"], condition=models.Q(status="open"),
                                               name="one_open_leaving_per_account")]
        indexes = [
            models.Index(fields=["last_working_day", "id"], name="leaver_to_deactivate",
                         condition=models.Q(status="open")),
            models.Index(fields=["manager", "last_working_day", "id"], name="leaver_by_manager"),
        ]

    def __str__(self) -> str:
        return str(self.account)


class LeaverItem(models.Model):
    leaver = models.ForeignKey(Leaver, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(max_length=40)
    title = models.CharField(max_length=200)
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["leaver", "code"], name="unique_leaver_item")]


class AccessRequest(models.Model):
    """A password reset or access to a council system, asked for by a member of staff.

    The identity check is their line manager's confirmation (LineReport): nothing reaches the ICT service
    desk's queue until the manager says the request is really from their team member.
    """

    class Kind(models.TextChoices):
        PASSWORD_RESET = "password_reset", "Reset my password"
        ACCESS = "access", "Give me access"

    class Status(models.TextChoices):
        AWAITING_CHECK = "awaiting_check", "Waiting for your manager to confirm it is you"
        WITH_DESK = "with_desk", "With the ICT service desk"
        REFUSED = "refused", "Not confirmed by your manager"

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests")
    checker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_checks")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    system = models.CharField(max_length=40)
    details = models.TextField(max_length=1000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AWAITING_CHECK)
    submission_key = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    case = models.OneToOneField("casework.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["submission_key"], condition=~models.Q(submission_key=""),
                                               name="access_request_once")]
        indexes = [
            models.Index(fields=["checker", "status", "id"], name="access_request_checks"),
            models.Index(fields=["requester", "id"], name="access_request_mine"),
        ]

    @property
    def system_name(self) -> str:
        return SYSTEM_NAMES.get(self.system, self.system)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.system_name}"
