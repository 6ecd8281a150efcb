"""THE single customer record and its interaction timeline.

Only oxtom/customers/services.py writes these tables.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from oxtom.core.models import TimeStampedModel


class Channel(models.TextChoices):
    """How a contact happened (shared by interactions, cases and notifications)."""

    WEB = "web", "Online"
    PHONE = "phone", "Telephone"
    FACE_TO_FACE = "face_to_face", "Face to face"
    WEBCHAT = "webchat", "Webchat"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    POST = "post", "Post"
    SYSTEM = "system", "System"


class PreferredChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    POST = "post", "Post"


class CustomerQuerySet(models.QuerySet):
    def active(self) -> "CustomerQuerySet":
        """Live records only: tombstones (merged into another record) are left out.

        Filters on merged_at, which a check constraint keeps set exactly when
        merged_into is. merged_at has no index, so the planner never picks the
        (useless, nearly all-NULL) merged_into index over the search index.
        """
        return self.filter(merged_at__isnull=True)

    def tombstones(self) -> "CustomerQuerySet":
        return self.filter(merged_at__isnull=False)


class Customer(TimeStampedModel):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"

    reference = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    title = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +447700900123")
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True, help_text="Normalised, e.g. OX1 1AA")
    uprn = models.CharField(max_length=12, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    division = models.ForeignKey(
        "places.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="customers"
    )
    preferred_channel = models.CharField(max_length=8, choices=PreferredChannel.choices, default=PreferredChannel.EMAIL)
    interests = models.JSONField(default=list, blank=True)
    reasonable_adjustments = models.TextField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="customer"
    )
    # Set when this record was merged into another: a tombstone pointing at the survivor.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    # Lower-cased letters-only copies for indexed prefix search (SQLite and PostgreSQL alike).
    # For organisations search_last_name holds the organisation's name, so one index finds both.
    # Services fill these (phonetics.search_key / phonetic_key); nothing else should.
    search_last_name = models.CharField(max_length=100, blank=True, db_index=True)
    search_first_name = models.CharField(max_length=100, blank=True)
    # "Sounds like" keys: Smyth finds Smith without scanning the table.
    phonetic_last_name = models.CharField(max_length=16, blank=True)
    phonetic_first_name = models.CharField(max_length=16, blank=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["email"]),
            models.Index(fields=["phone"]),
            # Postcode first: full postcode and outward-code (range) search, ordered by name from the index.
            models.Index(fields=["postcode", "search_last_name", "search_first_name"], name="customer_postcode_name"),
            models.Index(fields=["search_last_name", "search_first_name"]),
            models.Index(fields=["date_of_birth"]),
            # "Sounds like" search filters on the phonetic keys and orders by name: each index below
            # serves both the filter and the order, so LIMIT 20 reads about 20 entries. (With only
            # the keys indexed, PostgreSQL walked the name index in order instead and filtered out
            # half a million rows for a lone surname like "Smyth": 0.2-2 s at 700,000 customers.)
            models.Index(fields=["phonetic_last_name", "search_last_name", "search_first_name", "id"],
                         name="customer_phonetic_last"),
            models.Index(fields=["phonetic_last_name", "phonetic_first_name", "search_last_name",
                                 "search_first_name", "id"], name="customer_phonetic_full"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True, merged_at__isnull=True)
                | models.Q(merged_into__isnull=False, merged_at__isnull=False),
                name="customer_tombstone_has_merge_time",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.ORGANISATION:
            return self.organisation_name
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.reference

    @property
    def is_tombstone(self) -> bool:
        return self.merged_into_id is not None


class Interaction(models.Model):
    """One contact or event on a customer's timeline, from any app."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "From the customer"
        OUTBOUND = "outbound", "To the customer"
        INTERNAL = "internal", "Internal"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="interactions")
    occurred_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    direction = models.CharField(max_length=16, choices=Direction.choices)
    kind = models.CharField(max_length=40, help_text="e.g. case.created, notification.sent, contact.logged")
    # The person who did it (an adviser, an officer, or the customer themselves).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when staff acted on the customer's behalf (assisted digital).
    on_behalf_of = models.BooleanField(default=False)
    summary = models.CharField(max_length=500)
    # What it is about, by label and id so any app can link without a hard FK.
    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_reference = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.kind}: {self.summary[:40]}"


# Topics a customer can ask to hear about (stored as codes in Customer.interests).
INTEREST_CHOICES = [
    ("roads", "Roads, transport and travel"),
    ("schools", "Schools and education"),
    ("social_care", "Adult social care"),
    ("children", "Children and families"),
    ("libraries", "Libraries, culture and heritage"),
    ("environment", "Environment, waste and climate"),
    ("consultations", "Consultations and have your say"),
    ("jobs", "Jobs and volunteering"),
]


class Consent(models.Model):
    """One consent decision. Append-only: the latest row per purpose is the one in force.

    We keep every decision with the exact wording the customer saw, how it was
    given and who recorded it, because UK GDPR asks us to prove consent.
    """

    class Purpose(models.TextChoices):
        NEWSLETTER = "newsletter", "Council news and updates by email"
        RESEARCH = "research", "Invitations to take part in research and consultations"
        SMS_UPDATES = "sms_updates", "Text message updates about services"
        SHARE_PARTNERS = "share_partners", "Sharing details with partner organisations to offer support"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    granted = models.BooleanField(help_text="True: consent given. False: withdrawn or refused.")
    wording = models.TextField(help_text="Exactly what the customer was shown or told.")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["customer", "purpose", "-recorded_at"], name="consent_latest")]

    def __str__(self) -> str:
        return f"{self.purpose}: {'granted' if self.granted else 'withdrawn'} at {self.recorded_at:%Y-%m-%d}"


# What residents are shown when they choose online, recorded word for word with their decision.
CONSENT_WORDING_ONLINE = {
    Consent.Purpose.NEWSLETTER: "Send me council news and updates by email. I can stop them at any time.",
    Consent.Purpose.RESEARCH: "Invite me to take part in research and consultations about council services. "
    "I can stop these at any time.",
    Consent.Purpose.SMS_UPDATES: "Send me text messages about services I use. I can stop them at any time.",
    Consent.Purpose.SHARE_PARTNERS: "Share my contact details with partner organisations, such as the NHS "
    "and voluntary groups, so they can offer me support. I can withdraw this at any time.",
}


# --- assisted digital: contacts, acting-for sessions, coaching, webchat ---------------------


class ContactReason(models.Model):
    """Why someone got in touch, for contacts that need no service request. Edited by administrators.

    Codes are what measures group by, so they never change once used;
    retire a reason by unticking `active` rather than deleting it.
    """

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=100, help_text="Lower comes first in the list")

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class ContactOutcome(models.TextChoices):
    INFORMATION = "information", "Information or advice given"
    SIGNPOSTED = "signposted", "Signposted to a partner or community group"
    RESOLVED = "resolved", "Resolved at first contact"
    TRANSFERRED = "transferred", "Transferred to a service or team"


class ContactLog(models.Model):
    """One contact that needed no service request, counted by the performance measures.

    The matching Interaction (when the caller is known) carries it onto the
    customer's timeline; anonymous enquiries are still counted here.
    """

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_logs")
    interaction = models.OneToOneField(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_log"
    )
    reason = models.ForeignKey(ContactReason, on_delete=models.PROTECT, related_name="contacts")
    outcome = models.CharField(max_length=16, choices=ContactOutcome.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    first_contact_resolved = models.BooleanField()
    signposted_to = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    # The customer's division when the contact happened (measures split by division).
    division = models.ForeignKey(
        "places.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    submission_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["recorded_at", "channel"], name="contactlog_period"),
            models.Index(fields=["division", "recorded_at"], name="contactlog_division"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["submission_key"], condition=~models.Q(submission_key=""),
                                    name="contactlog_unique_submission_key"),
        ]


class AssistedSession(models.Model):
    """An adviser acting for one customer through the resident journeys, for a limited time.

    The row's id sits in the adviser's session; while it is live every
    submission names the customer as subject and the adviser as actor.
    """

    class EndReason(models.TextChoices):
        ENDED = "ended", "Ended by the adviser"
        EXPIRED = "expired", "Expired"
        REPLACED = "replaced", "Replaced by a new session"
        SIGNED_OUT = "signed_out", "Adviser signed out"

    adviser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assisted_sessions")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="assisted_sessions")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    customer_present = models.BooleanField()
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    chat = models.ForeignKey("customers.WebChat", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["adviser", "ended_at"], name="assist_adviser_open")]

    def __str__(self) -> str:
        return f"Session {self.pk} for {self.customer_id}"

    def is_live(self, now) -> bool:
        return self.ended_at is None and now < self.expires_at


class DigitalCoaching(models.Model):
    """An adviser sent a customer a link to carry on a journey themselves ("helped to go digital").

    Whether it worked is read from the timeline, not stored: the
    assisted-to-digital measure counts coachings followed by something the
    customer did online themselves (see measures.assisted_to_digital).
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="coachings")
    adviser = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    journey = models.CharField(max_length=40)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    message_id = models.UUIDField(null=True, blank=True, help_text="The notify.OutboundMessage carrying the link")
    sent_at = models.DateTimeField()
    division = models.ForeignKey(
        "places.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["sent_at"], name="coaching_sent")]


class WebChat(models.Model):
    """A resident's request for help from a portal page, and its conversation.

    Messages are stored before anyone sees them, so a reload on either
    side loses nothing. The resident holds the chat through `token` in
    their own session (no sign-in needed).
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for an adviser"
        ACTIVE = "active", "With an adviser"
        CLOSED = "closed", "Closed"

    token = models.CharField(max_length=43, unique=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="webchats")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    page = models.CharField(max_length=200, blank=True, help_text="The portal page the resident asked from (path only)")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="webchats_taken"
    )
    division = models.ForeignKey(
        "places.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    assist_consent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="webchat_status"),
            models.Index(fields=["created_at"], name="webchat_created"),
        ]


class ChatMessage(models.Model):
    class Sender(models.TextChoices):
        RESIDENT = "resident", "Resident"
        ADVISER = "adviser", "Adviser"
        SYSTEM = "system", "System"

    chat = models.ForeignKey(WebChat, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=16, choices=Sender.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    sent_at = models.DateTimeField()
    # Set by the sending form so a resubmitted (double-clicked, reloaded) message is stored once.
    client_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["chat", "client_key"], condition=~models.Q(client_key=""),
                                    name="chatmessage_unique_client_key"),
        ]


class CustomerAccessGrant(models.Model):
    """A time-limited, reasoned look at a customer record outside one's own work.

    Why: officers and team leaders see the customers behind their teams'
    cases only (least privilege). When the job needs more (a caller with no
    case yet, a check across services) they give a reason; each record that
    search shows is granted for an hour, and the reason is on the audit trail
    for the data protection lead (customers.services.customer_wider_search_record).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]


class ChatOffer(models.Model):
    """A chat offered inline after a resident met validation errors twice on one step of a journey.

    Holds where (the path: journey and step) and which questions were in error, by their labels,
    never what was typed. `chat` is set when the resident takes the offer, so advisers see the
    context and the measures count offers made, taken, and journeys finished after a chat.
    """

    path = models.CharField(max_length=200)
    fields_in_error = models.JSONField(default=list, blank=True)
    offered_at = models.DateTimeField(auto_now_add=True)
    chat = models.ForeignKey(WebChat, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers")

    class Meta:
        ordering = ["-offered_at", "-id"]
        indexes = [models.Index(fields=["offered_at"], name="chat_offer_when")]

    def __str__(self) -> str:
        return f"Chat offered on {self.path}"

    @property
    def journey(self) -> str:
        """The first part of the path, as people would name it ("apply", "report")."""
        parts = [p for p in self.path.split("/") if p]
        return parts[0] if parts else ""
