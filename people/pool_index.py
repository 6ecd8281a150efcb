"""The pool search's ranking index (people.models.PoolMatch): written here and nowhere else.

Every service that changes what the search ranks on (a candidate's skills, pool consent, appointable
standard or name; a role profile's essential skills) calls `refresh_candidates` or `rebuild` inside its
own transaction, so the index is never behind a committed write. The nightly retention job also
rebuilds it in full (`rebuild()`), which repairs any drift from a write made outside the services.
"""
from __future__ import annotations

from typing import Iterable

from django.db import transaction
from django.db.models import Count

from .models import Candidate, CandidateSkill, PoolMatch, RoleProfile

BATCH = 5000


def _norm(text: str) -> str:
    return " ".join(str(text).lower().split())[:60]


def _profile_skills(profiles: Iterable[RoleProfile]) -> dict[int, set[str]]:
    return {p.pk: {s for s in (_norm(x) for x in p.essential_skills or []) if s} for p in profiles}


@transaction.atomic
def refresh_candidates(candidate_ids: Iterable[int]) -> None:
    """Recompute the rows of these candidates for every role profile (a handful of queries)."""
    ids = sorted({int(pk) for pk in candidate_ids if pk})
    if not ids:
        return
    PoolMatch.objects.filter(candidate_id__in=ids).delete()
    candidates = list(Candidate.objects.filter(pk__in=ids, in_pool=True, pool_consent_until__isnull=False)
                      .only("pk", "name", "appointable", "appointable_for_id", "pool_consent_until"))
    if not candidates:
        return
    skills: dict[int, set[str]] = {}
    for candidate_id, skill in CandidateSkill.objects.filter(candidate_id__in=[c.pk for c in candidates]) \
            .values_list("candidate_id", "skill"):
        skills.setdefault(candidate_id, set()).add(skill)
    wanted = _profile_skills(RoleProfile.objects.only("pk", "essential_skills"))
    rows = []
    for c in candidates:
        have = skills.get(c.pk, set())
        for profile_id, profile_skills in wanted.items():
            matched = len(have & profile_skills)
            if matched or c.appointable_for_id == profile_id:
                rows.append(PoolMatch(profile_id=profile_id, candidate_id=c.pk, appointable=c.appointable,
                                      matched=matched, name=c.name, pool_until=c.pool_consent_until))
    PoolMatch.objects.bulk_create(rows, batch_size=BATCH)


def forget_candidates(candidate_ids: Iterable[int]) -> None:
    """Candidates who left the pool: out of every search at once."""
    PoolMatch.objects.filter(candidate_id__in=list(candidate_ids)).delete()


@transaction.atomic
def rebuild(profile_ids: Iterable[int] | None = None) -> int:
    """Recompute the rows of these role profiles (all when None), set-based; returns the rows written.

    Used when a profile's essential skills change, by the nightly retention job and after bulk loads."""
    profiles = RoleProfile.objects.only("pk", "essential_skills")
    if profile_ids is not None:
        profiles = profiles.filter(pk__in=list(profile_ids))
    wanted = _profile_skills(profiles)
    stale = PoolMatch.objects.all() if profile_ids is None else PoolMatch.objects.filter(profile_id__in=list(wanted))
    stale.delete()
    in_pool = Candidate.objects.filter(in_pool=True, pool_consent_until__isnull=False)
    written = 0
    for profile_id, profile_skills in wanted.items():
        counts = dict(CandidateSkill.objects.filter(skill__in=profile_skills, candidate__in_pool=True,
                                                    candidate__pool_consent_until__isnull=False)
                      .values("candidate_id").annotate(n=Count("id")).values_list("candidate_id", "n"))
        appointable_for = set(in_pool.filter(appointable_for_id=profile_id).values_list("pk", flat=True))
        ids = sorted(set(counts) | appointable_for)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            rows = [PoolMatch(profile_id=profile_id, candidate_id=pk, appointable=appointable, matched=counts.get(pk, 0),
                              name=name, pool_until=until)
                    for pk, appointable, name, until in in_pool.filter(pk__in=chunk)
                    .values_list("pk", "appointable", "name", "pool_consent_until")]
            PoolMatch.objects.bulk_create(rows, batch_size=BATCH)
            written += len(rows)
    return written
