"""The community directory (Open Referral UK shaped), events and bookings.

Each directory record carries a `uuid`, the identifier Open Referral UK 3.0
publishes (its schemas ask for `format: uuid`), beside the database id.
Partners never write a live row: their edits are `ChangeRequest`s that a
moderator approves (community/services/moderation.py).
"""
from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from oxtom.core.models import TimeStampedModel
from oxtom.core.money import pounds

from . import resource_rules

MAX_NAME = 200
MAX_TEXT = 4000


class Taxonomy(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=MAX_NAME)
    description = models.CharField(max_length=500)
    uri = models.URLField(blank=True)
    version = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    """A need or a kind of support ("Carers", "Dementia", "Early years"), optionally tied to a profile interest."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=MAX_NAME)
    description = models.CharField(max_length=500)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # The Customer.interests code this need answers to, so "For you" can match a profile's interests.
    interest_code = models.CharField(max_length=40, blank=True, db_index=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        COUNCIL = "council", "Council service"
        VOLUNTARY = "voluntary", "Voluntary or community group"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=MAX_NAME)
    description = models.TextField(max_length=MAX_TEXT)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.VOLUNTARY)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    charity_number = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class PartnerMembership(models.Model):
    """A community partner account that keeps this organisation's entries (COMMUNITY_DIRECTORY_EDIT)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="partners")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="partner_membership_once")]


class Location(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="locations")
    name = models.CharField(max_length=MAX_NAME)
    description = models.CharField(max_length=500, blank=True)
    address_1 = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    postcode = models.CharField(max_length=8)
    latitude = models.FloatField()
    longitude = models.FloatField()
    division = models.ForeignKey("places.Division", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    accessibility = models.CharField(max_length=500, blank=True, help_text="Step-free access, hearing loop, ...")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet):
    def listed(self) -> "ServiceQuerySet":
        """What residents and the Open Referral UK feed see: active and not hidden for lack of confirmation."""
        return self.filter(status=Service.Status.ACTIVE, hidden_at__isnull=True)


class Service(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        DEFUNCT = "defunct", "Closed for good"
        TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=MAX_NAME)
    description = models.TextField(max_length=MAX_TEXT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    url = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    is_free = models.BooleanField(default=True)
    fees = models.CharField(max_length=300, blank=True, help_text="What it costs, in words")
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    accessibility = models.CharField(max_length=500, blank=True)
    terms = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="services")
    # Partners confirm their entries are right at least every 12 months (tasks.flag_unconfirmed).
    confirmed_at = models.DateTimeField()
    flagged_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["status", "hidden_at", "name"], name="service_listed_name"),
            models.Index(fields=["confirmed_at"], name="service_confirmed"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(minimum_age__isnull=True) | Q(maximum_age__isnull=True)
                                   | Q(minimum_age__lte=models.F("maximum_age")), name="service_age_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_listed(self) -> bool:
        return self.status == self.Status.ACTIVE and self.hidden_at is None

    @property
    def age_range(self) -> str:
        lo, hi = self.minimum_age, self.maximum_age
        if lo is None and hi is None:
            return "All ages"
        if hi is None:
            return f"{lo} and over"
        if lo is None or lo == 0:
            return f"Up to {hi}"
        return f"{lo} to {hi}"


class ServiceAtLocation(models.Model):
    """Where a service is delivered. Carries the point and whether the service is listed, so "near me"
    narrows on one index (listed, latitude, longitude) like the nearby-reports lookup."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="service_links")
    latitude = models.FloatField()
    longitude = models.FloatField()
    listed = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "location"], name="service_at_location_once")]
        indexes = [models.Index(fields=["listed", "latitude", "longitude"], name="sal_nearby")]


class Schedule(models.Model):
    """Regular opening: one row per weekday (RFC 5545 BYDAY codes in the feed)."""

    DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="schedules")
    weekday = models.PositiveSmallIntegerField(choices=list(enumerate(DAY_NAMES)))
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens_at", "id"]
        indexes = [models.Index(fields=["weekday", "opens_at", "closes_at"], name="schedule_when")]
        constraints = [models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")), name="schedule_opens_first")]

    @property
    def byday(self) -> str:
        return self.DAYS[self.weekday]


class ChangeRequest(models.Model):
    """A partner's proposed change to a service (or a new one); live only once a moderator approves."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        APPROVED = "approved", "Approved and live"
        REJECTED = "rejected", "Not approved"
        SUPERSEDED = "superseded", "Replaced by a later change"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="change_requests")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="change_requests")
    # The version of the service the partner edited, so an approval never overwrites a newer change unseen.
    base_version = models.PositiveIntegerField(default=0)
    before = models.JSONField(default=dict, blank=True)
    proposed = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="change_queue")]


class SupportPerson(models.Model):
    """Someone a resident looks for support for: themselves or a person they care for (Donna's mother)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="community_people")
    is_self = models.BooleanField(default=False)
    name = models.CharField(max_length=100)
    relationship = models.CharField(max_length=60, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    needs = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="+")
    access_needs = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_self", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(is_self=True), name="support_person_one_self"),
        ]

    def __str__(self) -> str:
        return self.name


class Event(TimeStampedModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Going ahead"
        CANCELLED = "cancelled", "Cancelled"
        # A partner's proposed event waits for a council moderator (community/services/events.py).
        PENDING = "pending", "Waiting for a moderator"
        REJECTED = "rejected", "Not approved"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="events")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(max_length=MAX_NAME)
    description = models.TextField(max_length=MAX_TEXT, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    price_pence = models.PositiveIntegerField(default=0)
    # Residents may cancel (and book) until this many hours before the start.
    cutoff_hours = models.PositiveSmallIntegerField(default=24)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    # Occurrences of one repeating event share a series id.
    series = models.UUIDField(null=True, blank=True, db_index=True)
    # Places taken (confirmed + offered + awaiting payment), changed only under the row lock in bookings.py.
    taken = models.PositiveIntegerField(default=0)
    # Who proposed it (a partner) and the moderator's decision; empty for events the council made directly.
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["status", "starts_at"], name="event_upcoming"),
                   models.Index(fields=["service", "starts_at"], name="event_service_next")]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="event_starts_first"),
            models.CheckConstraint(condition=Q(taken__lte=models.F("capacity")), name="event_within_capacity"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.taken)

    @property
    def price_display(self) -> str:
        return "Free" if not self.price_pence else pounds(self.price_pence)


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Booked"
        AWAITING_PAYMENT = "awaiting_payment", "Waiting for payment"
        WAITING = "waiting", "On the waiting list"
        OFFERED = "offered", "Place offered"
        CANCELLED = "cancelled", "Cancelled"

    HOLDS_PLACE = (Status.CONFIRMED, Status.AWAITING_PAYMENT, Status.OFFERED)
    ACTIVE = (Status.CONFIRMED, Status.AWAITING_PAYMENT, Status.WAITING, Status.OFFERED)

    reference = models.CharField(max_length=12, unique=True)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="bookings")
    booker = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="community_bookings")
    # Who attends: the booker, or a person they care for (with their record too, if they have one).
    attendee = models.ForeignKey(SupportPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    attendee_customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="community_attendances")
    attendee_name = models.CharField(max_length=100)
    attendee_key = models.CharField(max_length=100)  # casefolded name: one active booking per person per event
    access_needs = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)
    submission_key = models.CharField(max_length=64, unique=True)
    on_behalf_of = models.BooleanField(default=False)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by_organiser = models.BooleanField(default=False)
    # Joined the waiting list first (waiting-list conversion: how many of these end up with a place).
    from_waiting_list = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["event", "status", "created_at"], name="booking_event_queue"),
            models.Index(fields=["booker", "-created_at"], name="booking_booker"),
            models.Index(fields=["status", "offer_expires_at"], name="booking_offers"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "booker", "attendee_key"],
                                    condition=Q(status__in=["confirmed", "awaiting_payment", "waiting", "offered"]),
                                    name="booking_one_active_per_person"),
        ]

    def __str__(self) -> str:
        return self.reference


class Feedback(models.Model):
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5")]
        # The council's list of recent feedback walks this (community/selectors.py recent_feedback).
        indexes = [models.Index(fields=["-created_at", "-id"], name="feedback_recent")]


class Signposting(models.Model):
    """An adviser sent a resident a service's details (counted by division in the measures)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="community_signpostings")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="signpostings")
    division = models.ForeignKey("places.Division", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=8)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(db_index=True)


class AppointmentService(models.Model):
    """A council appointment an administrator configures as data (a mobility assessment, a callback).

    Slots come from the opening hours on working days (England and Wales bank holidays closed,
    oxtom.core.calendar), `slot_minutes` long, `days_ahead` days ahead, one person a slot per desk, or,
    when it has resources (AppointmentResource), one per free officer or room.
    """

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=MAX_NAME)
    description = models.CharField(max_length=500)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text="Empty for a phone callback")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    slot_minutes = models.PositiveSmallIntegerField(default=30)
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    desks = models.PositiveSmallIntegerField(default=1, help_text="People seen at the same time")
    days_ahead = models.PositiveSmallIntegerField(default=28)
    cutoff_hours = models.PositiveSmallIntegerField(default=2)
    # The reminder goes this many hours before the start (0: no reminder); community.tasks.send_reminders.
    reminder_hours = models.PositiveSmallIntegerField(default=24)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")),
                                              name="appointment_service_hours")]

    def __str__(self) -> str:
        return self.name


class AppointmentResource(models.Model):
    """Who or what an appointment needs: a named officer (a staff user) or a room or assessment booth.

    A service with resources offers a time when one of them is free (working then, not absent that day, not
    booked); its `desks` no longer count. A service with none keeps its desks. Each resource has its own
    working week (`hours`, inside the service's opening hours or narrower) and `absences`.
    """

    class Kind(models.TextChoices):
        OFFICER = "officer", "Officer"
        ROOM = "room", "Room or booth"

    service = models.ForeignKey(AppointmentService, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(max_length=120, help_text="As staff see it on the day's list, e.g. the officer's name")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.OFFICER)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="appointment_resources", help_text="The officer's account (officers only)")
    is_active = models.BooleanField(default=True, help_text="Off: no new bookings (existing ones stay)")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="appointment_resource_name"),
            models.UniqueConstraint(fields=["service", "user"], condition=Q(user__isnull=False),
                                    name="appointment_resource_user_once"),
            models.CheckConstraint(condition=Q(kind="officer", user__isnull=False) | Q(kind="room", user__isnull=True),
                                   name="appointment_resource_kind_user"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.OFFICER and self.user_id is None:
            raise ValidationError({"user": "Choose the officer's account"})
        if self.kind == self.Kind.ROOM and self.user_id is not None:
            raise ValidationError({"user": "A room or booth has no account: leave this empty"})
        if self.user_id is not None and not self.user.is_active:
            raise ValidationError({"user": "That account is not active"})


class ResourceHours(models.Model):
    """One span of a resource's working week (a day may have two: a morning and an afternoon)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    resource = models.ForeignKey(AppointmentResource, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts_at", "id"]
        verbose_name_plural = "resource hours"
        constraints = [models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")),
                                              name="resource_hours_order"),
                       models.CheckConstraint(condition=Q(weekday__lte=6), name="resource_hours_weekday")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    def clean(self) -> None:
        """One span's rule (community/resource_rules.py); the admin's formset adds the day's (two, no overlap)."""
        from django.core.exceptions import ValidationError

        from .resource_rules import day_message, span_error

        if self.starts_at and self.ends_at and self.weekday is not None:
            problem = span_error(self.starts_at, self.ends_at)
            if problem:
                raise ValidationError({"ends_at": day_message(self.weekday, problem)})


class ResourceAbsence(models.Model):
    """A time a resource is away (leave, training, a dentist's appointment) or out of use: from `starts_at` up to
    (not including) `ends_at`. A whole-day absence runs from local midnight of its first day to local midnight
    after its last (Europe/London, so a day across the October clock change is 25 hours long); a part-day
    one between any two times. Slots overlapping it are not offered for that resource; bookings inside it stay
    booked and are listed for moving (community/services/resources.py)."""

    class Reason(models.TextChoices):
        LEAVE = "leave", "Leave"
        TRAINING = "training", "Training"
        SICKNESS = "sickness", "Sickness"
        APPOINTMENT = "appointment", "Medical or other appointment"
        OTHER = "other", "Other"

    MAX_DAYS = resource_rules.MAX_DAYS

    resource = models.ForeignKey(AppointmentResource, on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=12, choices=Reason.choices, default=Reason.LEAVE)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["resource", "starts_at", "ends_at"], name="resource_absence_span")]
        constraints = [models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")),
                                              name="resource_absence_span_order")]

    @staticmethod
    def day_span(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The (start, end) of whole days `first` to `last` (both included), local midnight to local midnight."""
        tz = timezone.get_default_timezone()
        return (dt.datetime.combine(first, dt.time.min, tzinfo=tz),
                dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz))

    @classmethod
    def whole_days(cls, first: dt.date, last: dt.date) -> dict[str, dt.datetime]:
        """`starts_at` and `ends_at` for whole days, as keyword arguments."""
        starts_at, ends_at = cls.day_span(first, last)
        return {"starts_at": starts_at, "ends_at": ends_at}

    @property
    def is_whole_days(self) -> bool:
        return (timezone.localtime(self.starts_at).time() == dt.time.min
                and timezone.localtime(self.ends_at).time() == dt.time.min)

    @property
    def first_day(self) -> dt.date:
        return timezone.localdate(self.starts_at)

    @property
    def last_day(self) -> dt.date:
        """The last day it touches (a whole-day absence ends at the midnight after it)."""
        return timezone.localdate(self.ends_at - dt.timedelta(microseconds=1))

    @property
    def span_words(self) -> str:
        """As a page says it, GOV.UK style: "7 December 2026 (whole day)", "7 December 2026, 10am to 12pm"."""
        from oxtom.core.formats import govuk_date, govuk_datetime, govuk_time

        if self.is_whole_days:
            first, last = self.first_day, self.last_day
            return f"{govuk_date(first)} (whole day)" if first == last else \
                f"{govuk_date(first)} to {govuk_date(last)} (whole days)"
        a, b = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        if a.date() == b.date():
            return f"{govuk_date(a.date())}, {govuk_time(a)} to {govuk_time(b)}"
        return f"{govuk_datetime(a)} to {govuk_datetime(b)}"

    def __str__(self) -> str:
        if self.is_whole_days:
            return f"{self.get_reason_display()} {self.first_day:%d/%m/%Y}-{self.last_day:%d/%m/%Y}"
        a, b = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.get_reason_display()} {a:%d/%m/%Y %H:%M}-{b:%d/%m/%Y %H:%M}"

    def clean(self) -> None:
        """The same rules as the resource pages (community/resource_rules.py): end after start, at most a year,
        starting no more than PAST_DAYS ago (an absence saved earlier and not moved is not refused for its age)."""
        from django.core.exceptions import ValidationError

        from .resource_rules import absence_errors

        if self.starts_at and self.ends_at:
            stored = (type(self).objects.filter(pk=self.pk).values_list("starts_at", "ends_at").first()
                      if self.pk else None)
            errors = absence_errors(self.starts_at, self.ends_at, now=timezone.now(),
                                    unchanged=stored == (self.starts_at, self.ends_at))
            if errors:
                raise ValidationError(errors)


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "Did not come"

    reference = models.CharField(max_length=12, unique=True)
    service = models.ForeignKey(AppointmentService, on_delete=models.PROTECT, related_name="appointments")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="community_appointments")
    starts_at = models.DateTimeField()
    desk = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    notes = models.CharField(max_length=500, blank=True)
    submission_key = models.CharField(max_length=64, unique=True)
    on_behalf_of = models.BooleanField(default=False)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Set when an officer offered the slots from a case (the booking is linked to it).
    case_reference = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Who cancelled (the resident or staff) and the appointment this one replaced when it was moved.
    cancelled_by_staff = models.BooleanField(default=False)
    moved_to = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="moved_from")
    reminded_at = models.DateTimeField(null=True, blank=True)
    # The officer or room it was given when booked (services with resources); a move gives the new one its own.
    resource = models.ForeignKey(AppointmentResource, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="appointments")

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["service", "starts_at"], name="appointment_day"),
                   models.Index(fields=["status", "reminded_at", "starts_at"], name="appointment_reminders"),
                   models.Index(fields=["customer", "-starts_at"], name="appointment_customer")]
        constraints = [
            # One person per desk per slot, whatever arrives at once: the database settles races.
            models.UniqueConstraint(fields=["service", "starts_at", "desk"],
                                    condition=Q(status="booked", resource__isnull=True),
                                    name="appointment_slot_once"),
            # One booking per resource per start: two people taking the last free officer get one booking.
            models.UniqueConstraint(fields=["resource", "starts_at"],
                                    condition=Q(status="booked", resource__isnull=False),
                                    name="appointment_resource_once"),
        ]


class AppointmentOffer(models.Model):
    """Slots an officer working a case offered the customer (a referred blue badge's mobility assessment).

    The customer picks one from a signed link or their account; the offer is taken once, under its row lock,
    and the booking (an Appointment) carries the case's reference.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the customer to choose"
        TAKEN = "taken", "Booked"
        WITHDRAWN = "withdrawn", "Withdrawn"

    service = models.ForeignKey(AppointmentService, on_delete=models.PROTECT, related_name="offers")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="community_offers")
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="+")
    slots = models.JSONField(help_text="The offered start times, ISO 8601 with offset")
    message = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    expires_at = models.DateTimeField()
    appointment = models.OneToOneField(Appointment, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="offer")
    submission_key = models.CharField(max_length=64, unique=True)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["case", "-created_at"], name="offer_case"),
                   models.Index(fields=["customer", "status"], name="offer_customer")]

    def __str__(self) -> str:
        return f"Offer {self.pk}"


class AppointmentFeedback(models.Model):
    """A resident's rating (1-5) and comment after a council appointment they attended; one per appointment.

    Given from the account's appointment page, reached also from the message sent once staff mark the
    appointment attended (community/services/appointments.py appointment_feedback_give)."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(max_length=2000, blank=True)
    # The form's key: the same form sent twice is one record (and a thank-you, not an error).
    submission_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="appointment_feedback_recent")]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5),
                                              name="appointment_feedback_rating_1_5")]
