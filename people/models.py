"""People: the role profiles everything in recruitment and onboarding starts from.

A role profile is the council's standard description of a post. Recruitment reads it for the
vacancy (grade, DBS level, essential skills) and onboarding for the starter's day-one access
(the staff roles and teams the post works in).
"""
from __future__ import annotations

from django.db import models


class DbsLevel(models.TextChoices):
    NONE = "none", "No DBS check"
    BASIC = "basic", "Basic"
    STANDARD = "standard", "Standard"
    ENHANCED = "enhanced", "Enhanced"
    ENHANCED_BARRED = "enhanced_barred", "Enhanced with barred lists"


class RoleProfile(models.Model):
    title = models.CharField(max_length=150)
    grade = models.CharField(max_length=20, help_text="The pay grade, e.g. 'Grade 7'")
    directorate = models.CharField(max_length=100)
    summary = models.TextField(blank=True, help_text="What the post does, as advertised")
    dbs_level = models.CharField(max_length=20, choices=DbsLevel.choices, default=DbsLevel.NONE,
                                 help_text="Posts working with children or adults at risk need a DBS check at this level")
    essential_skills = models.JSONField(default=list, blank=True, help_text="Skills a candidate must show")
    # Day-one access: the platform roles and teams a starter in this post gets (oxtom/accounts/roles.py).
    staff_roles = models.JSONField(default=list, blank=True)
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="role_profiles")
    active = models.BooleanField(default=True)
    # What the interview panel scores, one row per criterion (0 to 4 each).
    interview_criteria = models.JSONField(default=list, blank=True)
    # Edited by the recruitment team (people.services.profile_save): a stale form is refused
    # (oxtom.core.versioning), and every change is audited.
    version = models.PositiveIntegerField(default=1)
    modified_at = models.DateTimeField(null=True, blank=True)
    modified_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["title", "grade"]
        constraints = [models.UniqueConstraint(fields=["title", "grade", "directorate"], name="unique_role_profile")]

    def __str__(self) -> str:
        return f"{self.title} ({self.grade})"

    @property
    def needs_dbs(self) -> bool:
        return self.dbs_level != DbsLevel.NONE


# --- recruitment ------------------------------------------------------------------------------------------
# A vacancy is a record of its own rather than a case on the engine: the engine's queue is worked by
# holders of case.work in the service's team, and recruitment co-ordinators hold recruitment.work only
# (HR data stays out of the general case queue, its search and its reports).


class VacancyStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    OPEN = "open", "Advertised"
    SHORTLISTING = "shortlisting", "Shortlisting"
    INTERVIEW = "interview", "Interviewing"
    OFFER = "offer", "Offer made"
    CHECKS = "checks", "Pre-employment checks"
    FILLED = "filled", "Filled"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Vacancy(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    role_profile = models.ForeignKey(RoleProfile, on_delete=models.PROTECT, related_name="vacancies")
    manager = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="vacancies_managed")
    coordinator = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="vacancies_coordinated")
    status = models.CharField(max_length=20, choices=VacancyStatus.choices, default=VacancyStatus.REQUESTED)
    location = models.CharField(max_length=100)
    hours = models.CharField(max_length=60, default="Full time, 37 hours")
    reason = models.TextField(blank=True, help_text="Why the post is needed (a leaver, a new post)")
    closing_date = models.DateField(null=True, blank=True)
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    requested_at = models.DateTimeField()
    picked_up_at = models.DateTimeField(null=True, blank=True)
    advertised_at = models.DateTimeField(null=True, blank=True)
    offer_accepted_at = models.DateTimeField(null=True, blank=True)
    filled_at = models.DateTimeField(null=True, blank=True)
    filled_from_pool = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"], name="vacancy_status_idx"),
                   models.Index(fields=["manager", "status"], name="vacancy_manager_idx")]

    def __str__(self) -> str:
        return f"{self.reference} {self.role_profile.title}"

    @property
    def title(self) -> str:
        return self.role_profile.title


class Candidate(models.Model):
    """A person who applied. In the pool of talent while they consent and the consent has not expired."""

    name = models.CharField(max_length=150)
    email = models.EmailField(db_index=True)
    phone = models.CharField(max_length=30, blank=True)
    location = models.CharField(max_length=100, blank=True)
    skills = models.JSONField(default=list, blank=True)  # as entered; CandidateSkill holds the searchable form
    in_pool = models.BooleanField(default=False)
    pool_consent_until = models.DateField(null=True, blank=True)
    appointable = models.BooleanField(default=False, help_text="Of appointable standard at an earlier interview")
    appointable_for = models.ForeignKey(RoleProfile, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="appointable_candidates")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # The pool search: in the pool, consent current, appointable first.
            models.Index(fields=["in_pool", "appointable", "pool_consent_until"], name="candidate_pool_idx"),
            models.Index(fields=["appointable_for", "in_pool"], name="candidate_profile_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class CandidateSkill(models.Model):
    """One skill of a candidate, normalised (lower case, single spaces), so a skill search uses an index."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="skill_rows")
    skill = models.CharField(max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["skill", "candidate"], name="unique_candidate_skill")]


class PoolMatch(models.Model):
    """The pool search's ranking for a role profile, kept up to date by people.pool_index (never by hand).

    One row per candidate in the pool (consent given) and role profile for which the candidate either has at
    least one of the profile's essential skills or was appointable for it: how many of those skills they have,
    with the candidate's sort keys copied beside it, so a search by profile reads the first rows of one index
    range (pool_match_rank_idx) and stops at the page size instead of counting skills for every candidate.
    """

    profile = models.ForeignKey(RoleProfile, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="pool_matches")
    appointable = models.BooleanField()
    matched = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=150)
    pool_until = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["candidate", "profile"], name="unique_pool_match")]
        indexes = [models.Index(fields=["profile", "-appointable", "-matched", "name", "candidate"],
                                name="pool_match_rank_idx")]


def cv_path(instance, filename: str) -> str:
    return f"people/cvs/{instance.token}.{instance.cv_extension}"


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    SHORTLISTED = "shortlisted", "Shortlisted for the manager"
    INTERVIEW = "interview", "Chosen for interview"
    NOT_CHOSEN = "not_chosen", "Not chosen for interview"
    INTERVIEWED = "interviewed", "Interviewed"
    PREFERRED = "preferred", "Preferred candidate"
    OFFERED = "offered", "Offered"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"


class JobApplication(models.Model):
    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="applications")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="applications")
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.APPLIED)
    from_pool = models.BooleanField(default=False, help_text="Put forward from the pool of talent, not applied")
    statement = models.TextField(blank=True, help_text="How the candidate meets the essential skills")
    token = models.CharField(max_length=32, unique=True)
    cv = models.FileField(upload_to=cv_path, blank=True)
    cv_content_type = models.CharField(max_length=100, blank=True)
    cv_extension = models.CharField(max_length=5, blank=True)
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField()
    appointable = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["vacancy", "candidate"], name="one_application_per_vacancy")]

    def __str__(self) -> str:
        return f"{self.vacancy.reference}: {self.candidate.name}"


class EqualityMonitoring(models.Model):
    """Equality answers, kept apart: no link to the candidate or the application, only the vacancy and the
    month, so nobody (panel, manager, co-ordinator) can read them against a person."""

    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    age_band = models.CharField(max_length=20, blank=True)
    sex = models.CharField(max_length=20, blank=True)
    ethnicity = models.CharField(max_length=40, blank=True)
    disability = models.CharField(max_length=20, blank=True)


class PanelMember(models.Model):
    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="interview_panels")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vacancy", "user"], name="unique_panel_member")]


class InterviewSlot(models.Model):
    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=45)
    place = models.CharField(max_length=150, default="County Hall, Oxford")
    application = models.OneToOneField(JobApplication, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="slot")

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["vacancy", "starts_at"], name="unique_slot_time")]


class PanelBooking(models.Model):
    """A panel member's time taken by a booked slot: the unique pair refuses a second booking at that time."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    slot = models.ForeignKey(InterviewSlot, on_delete=models.CASCADE, related_name="bookings")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "starts_at"], name="panel_member_once_at_a_time")]


class Score(models.Model):
    application = models.ForeignKey(JobApplication, on_delete=models.CASCADE, related_name="scores")
    panel_member = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    criterion = models.CharField(max_length=60)
    score = models.PositiveSmallIntegerField()  # 0 (no evidence) to 4 (excellent)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "panel_member", "criterion"],
                                               name="one_score_per_criterion")]


class OfferStatus(models.TextChoices):
    PROVISIONAL = "provisional", "Provisional offer made"
    ACCEPTED = "accepted", "Accepted: checks under way"
    DECLINED = "declined", "Declined"
    CONFIRMED = "confirmed", "Appointment confirmed"


class Offer(models.Model):
    application = models.OneToOneField(JobApplication, on_delete=models.CASCADE, related_name="offer")
    status = models.CharField(max_length=20, choices=OfferStatus.choices, default=OfferStatus.PROVISIONAL)
    made_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)


class CheckKind(models.TextChoices):
    RIGHT_TO_WORK = "right_to_work", "Right to work in the UK"
    REFERENCE_1 = "reference_1", "First reference"
    REFERENCE_2 = "reference_2", "Second reference"
    HEALTH = "health", "Health questionnaire"
    QUALIFICATIONS = "qualifications", "Qualifications"
    DBS = "dbs", "DBS check"


class CheckOutcome(models.TextChoices):
    PENDING = "", "Waiting"
    SATISFACTORY = "satisfactory", "Satisfactory"
    CONCERNS = "concerns", "Satisfactory with concerns noted"
    UNSATISFACTORY = "unsatisfactory", "Unsatisfactory"


def evidence_path(instance, filename: str) -> str:
    return f"people/checks/{instance.token}.{instance.evidence_extension}"


class PreEmploymentCheck(models.Model):
    """One pre-employment check: a task with an outcome and its evidence."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(max_length=20, choices=CheckKind.choices)
    detail = models.CharField(max_length=60, blank=True)  # the DBS level, the referee
    outcome = models.CharField(max_length=20, choices=CheckOutcome.choices, blank=True, default="")
    note = models.TextField(blank=True)
    token = models.CharField(max_length=32, unique=True)
    evidence = models.FileField(upload_to=evidence_path, blank=True)
    evidence_content_type = models.CharField(max_length=100, blank=True)
    evidence_extension = models.CharField(max_length=5, blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["offer", "kind"], name="one_check_of_each_kind")]
