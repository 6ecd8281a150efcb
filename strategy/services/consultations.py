"""Writes for consultations: create, publish, answer (once each; save and come back), close, summarise.

One response per signed-in person (a unique index) and per anonymous browser
(a unique index on a hash of the session key and the consultation: a simple
guard, not proof of identity, and it holds no personal data). A signed-in
resident can save a draft and come back to it. Advisers enter paper or
phone responses for a resident. Answers are checked against the questions:
a choice must be one of the options, a scale 1 to 5, free text at most 2,000
characters.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record

from ..models import Consultation, ConsultationResponse, Question

MAX_TEXT = 2000
MAX_QUESTIONS = 30
MAX_CHOICES = 12


def _require_officer(by: Any) -> None:
    if by is None or not getattr(by, "is_authenticated", False) or not by.has_permission(
            Permission.CONSULTATION_MANAGE):
        raise PermissionDenied


def parse_questions(text: str) -> list[dict]:
    """Questions written one a line: 'choice: Text | option | option', 'scale: Text', 'text: Text'.

    An optional question ends with '(optional)'.
    """
    questions, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        kind, _, rest = line.partition(":")
        kind = kind.strip().lower()
        if kind not in Question.Kind.values or not rest.strip():
            errors.append(f"Line {number}: start with choice:, scale: or text: and then the question")
            continue
        parts = [p.strip() for p in rest.split("|")]
        wording, options = parts[0], [p for p in parts[1:] if p]
        required = True
        if wording.lower().endswith("(optional)"):
            wording, required = wording[: -len("(optional)")].strip(), False
        if not wording or len(wording) > 300:
            errors.append(f"Line {number}: the question must be 1 to 300 characters")
            continue
        if kind == Question.Kind.CHOICE and not 2 <= len(options) <= MAX_CHOICES:
            errors.append(f"Line {number}: a choice question needs 2 to {MAX_CHOICES} options separated by |")
            continue
        if kind == Question.Kind.CHOICE and len(set(options)) != len(options):
            errors.append(f"Line {number}: the options must be different")
            continue
        if any(len(o) > 100 for o in options):
            errors.append(f"Line {number}: each option must be 100 characters or fewer")
            continue
        questions.append({"kind": kind, "text": wording, "choices": options if kind == Question.Kind.CHOICE else [],
                          "required": required})
    if not questions and not errors:
        errors.append("Enter at least one question")
    if len(questions) > MAX_QUESTIONS:
        errors.append(f"A consultation can have at most {MAX_QUESTIONS} questions")
    if errors:
        raise ValidationError({"questions": errors})
    return questions


@transaction.atomic
def consultation_create(*, title: str, purpose: str, audience: str, opens_on: dt.date, closes_on: dt.date,
                        questions: list[dict], by: Any) -> Consultation:
    _require_officer(by)
    if closes_on < opens_on:
        raise ValidationError({"closes_on": "The closing date must be on or after the opening date"})
    base = slugify(title)[:60] or "consultation"
    slug, n = base, 1
    while Consultation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    consultation = Consultation.objects.create(slug=slug, title=title.strip(), purpose=purpose.strip(),
                                               audience=audience.strip(), opens_on=opens_on, closes_on=closes_on,
                                               created_by=by)
    Question.objects.bulk_create([Question(consultation=consultation, position=i, **q)
                                  for i, q in enumerate(questions, start=1)])
    audit_record(by=by, action="create", target=consultation, summary=f"Consultation {slug} drafted")
    return consultation


@transaction.atomic
def consultation_publish(*, consultation: Consultation, by: Any) -> Consultation:
    _require_officer(by)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.status != Consultation.Status.DRAFT:
        raise ValidationError("This consultation has already been published")
    if consultation.closes_on < timezone.localdate():
        raise ValidationError("The closing date has passed: change the dates before publishing")
    consultation.status, consultation.published_at, consultation.modified_by = (
        Consultation.Status.PUBLISHED, timezone.now(), by)
    consultation.save(update_fields=["status", "published_at", "modified_by", "modified_at"])
    audit_record(by=by, action="update", target=consultation, summary="Published")
    return consultation


@transaction.atomic
def consultation_close(*, consultation: Consultation, by: Any) -> Consultation:
    _require_officer(by)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.status != Consultation.Status.PUBLISHED:
        raise ValidationError("Only a published consultation can be closed")
    consultation.status, consultation.closed_at = Consultation.Status.CLOSED, timezone.now()
    if consultation.closes_on > timezone.localdate():
        consultation.closes_on = timezone.localdate()
    consultation.save(update_fields=["status", "closed_at", "closes_on", "modified_at"])
    audit_record(by=by, action="update", target=consultation, summary="Closed")
    return consultation


@transaction.atomic
def consultation_summary_publish(*, consultation: Consultation, we_did: str, by: Any) -> Consultation:
    """Publish "we asked, you said, we did" once the consultation has closed."""
    _require_officer(by)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.status != Consultation.Status.CLOSED:
        raise ValidationError("Close the consultation before publishing what the council did")
    we_did = (we_did or "").strip()
    if not we_did:
        raise ValidationError({"we_did": "Enter what the council did as a result"})
    if len(we_did) > 5000:
        raise ValidationError({"we_did": "What we did must be 5,000 characters or fewer"})
    consultation.we_did, consultation.summary_published_at = we_did, timezone.now()
    consultation.save(update_fields=["we_did", "summary_published_at", "modified_at"])
    audit_record(by=by, action="update", target=consultation, summary="We asked, you said, we did published")
    return consultation


def clean_answers(consultation: Consultation, data: Any, *, final: bool) -> tuple[dict[str, str], dict[str, str]]:
    """The answers in `data` (a QueryDict or dict keyed q<id>) checked against the questions; (answers, errors).

    A draft (final=False) keeps what is valid and skips the required check.
    """
    answers, errors = {}, {}
    for q in consultation.questions.all():
        raw = data.get(f"q{q.pk}", "")
        value = " ".join(str(raw).split()) if q.kind != Question.Kind.TEXT else str(raw).replace("\x00", "").strip()
        if not value:
            if final and q.required:
                errors[f"q{q.pk}"] = ("Enter your answer" if q.kind == Question.Kind.TEXT
                                      else "Choose an answer") + f" to question {q.position}"
            continue
        if q.kind == Question.Kind.TEXT and len(value) > MAX_TEXT:
            errors[f"q{q.pk}"] = f"Your answer to question {q.position} must be {MAX_TEXT:,} characters or fewer"
            continue
        if q.kind != Question.Kind.TEXT and value not in q.options:
            errors[f"q{q.pk}"] = f"Choose one of the answers given for question {q.position}"
            continue
        answers[str(q.pk)] = value
    return answers, errors


def anonymous_guard(consultation: Consultation, session_key: str) -> str:
    return hashlib.sha256(f"consultation:{consultation.pk}:{session_key}".encode()).hexdigest()


def existing_response(consultation: Consultation, *, user: Any, guard: str) -> ConsultationResponse | None:
    if user is not None and user.is_authenticated:
        return ConsultationResponse.objects.filter(consultation=consultation, user=user).first()
    if guard:
        return ConsultationResponse.objects.filter(consultation=consultation, guard=guard).first()
    return None


class AlreadyResponded(Exception):
    pass


@transaction.atomic
def response_save(*, consultation: Consultation, data: Any, user: Any, guard: str, submit: bool,
                  division: Any = None, name_shared: bool = False, respondent_name: str = "") -> ConsultationResponse:
    """Save (draft) or submit a resident's response. A submitted response never changes again.

    Raises ValidationError with field errors (nothing is lost: valid answers of a draft are kept), or
    AlreadyResponded when this person or browser has already submitted.
    """
    if not consultation.is_open_on(timezone.localdate()):
        raise ValidationError("This consultation is not open for responses")
    signed_in = user is not None and user.is_authenticated
    if not signed_in and not submit:
        raise ValidationError("Sign in to save your answers and come back later")
    response = existing_response(consultation, user=user, guard=guard)
    if response is not None:
        response = ConsultationResponse.objects.select_for_update().get(pk=response.pk)
        if response.submitted_at is not None:
            raise AlreadyResponded
    answers, errors = clean_answers(consultation, data, final=submit)
    if name_shared and not respondent_name.strip():
        errors["respondent_name"] = "Enter your name, or untick the box to stay anonymous"
    if len(respondent_name) > 120:
        errors["respondent_name"] = "Your name must be 120 characters or fewer"
    if errors and submit:
        raise ValidationError(errors)
    now = timezone.now()
    fields = dict(answers=answers, division=division, name_shared=bool(name_shared),
                  respondent_name=respondent_name.strip() if name_shared else "",
                  submitted_at=now if submit else None)
    if response is None:
        try:
            with transaction.atomic():
                response = ConsultationResponse.objects.create(
                    consultation=consultation, user=user if signed_in else None, guard="" if signed_in else guard,
                    started_at=now, **fields)
        except IntegrityError:  # the same person in two tabs at once: the first stands
            raise AlreadyResponded from None
    else:
        for name, value in fields.items():
            setattr(response, name, value)
        response.save()
    return response


@transaction.atomic
def response_enter_for(*, consultation: Consultation, data: Any, channel: str, division: Any,
                       name_shared: bool, respondent_name: str, by: Any) -> ConsultationResponse:
    """An adviser or officer enters a paper or phone response for a resident."""
    if by is None or not getattr(by, "is_authenticated", False) or not (
            by.has_permission(Permission.CONSULTATION_MANAGE) or by.has_permission(Permission.ASSIST_ACT_FOR)):
        raise PermissionDenied
    if channel not in (ConsultationResponse.Channel.PAPER, ConsultationResponse.Channel.PHONE):
        raise ValidationError({"channel": "Choose paper form or telephone"})
    if consultation.status != Consultation.Status.PUBLISHED:
        raise ValidationError("This consultation is not taking responses")
    answers, errors = clean_answers(consultation, data, final=True)
    if name_shared and not respondent_name.strip():
        errors["respondent_name"] = "Enter the resident's name, or untick the box"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    response = ConsultationResponse.objects.create(
        consultation=consultation, answers=answers, channel=channel, entered_by=by, division=division,
        name_shared=name_shared, respondent_name=respondent_name.strip()[:120] if name_shared else "",
        started_at=now, submitted_at=now)
    audit_record(by=by, action="create", target=response, summary=f"{channel} response entered")
    return response
