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

    class Meta:
        ordering = ["title", "grade"]
        constraints = [models.UniqueConstraint(fields=["title", "grade", "directorate"], name="unique_role_profile")]

    def __str__(self) -> str:
        return f"{self.title} ({self.grade})"

    @property
    def needs_dbs(self) -> bool:
        return self.dbs_level != DbsLevel.NONE
