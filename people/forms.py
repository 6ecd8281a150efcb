"""Recruitment's forms: staff pages and the public application, one thing per page."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from oxtom.core.forms import DateInputField

from .models import CheckOutcome, DbsLevel, RoleProfile


class VacancyRequestForm(forms.Form):
    profile = forms.ModelChoiceField(queryset=RoleProfile.objects.filter(active=True), empty_label=None,
                                     label="Which role profile is the post?",
                                     error_messages={"required": "Choose the role profile",
                                                     "invalid_choice": "Choose the role profile"})
    location = forms.CharField(label="Where is the post based?", max_length=100,
                               error_messages={"required": "Enter where the post is based",
                                               "max_length": "The place must be 100 characters or fewer"})
    hours = forms.CharField(label="Hours", max_length=60, required=False, initial="Full time, 37 hours",
                            error_messages={"max_length": "The hours must be 60 characters or fewer"})
    reason = forms.CharField(label="Why is the post needed?", widget=forms.Textarea(attrs={"rows": 4}),
                             max_length=2000, error_messages={"required": "Say why the post is needed",
                                                              "max_length": "The reason must be 2,000 characters "
                                                                            "or fewer"})


class AdvertiseForm(forms.Form):
    closing_date = DateInputField(label="Closing date", required=True, when="future")


class PoolSearchForm(forms.Form):
    profile = forms.ModelChoiceField(queryset=RoleProfile.objects.filter(active=True), required=False,
                                     label="Role profile", empty_label="Any role profile")
    skills = forms.CharField(label="Skills (separate with commas)", required=False, max_length=300)
    appointable = forms.BooleanField(label="Only candidates of appointable standard at an earlier interview",
                                     required=False)


class PanelForm(forms.Form):
    email = forms.EmailField(label="Panel member's email address", max_length=254,
                             error_messages={"required": "Enter the panel member's email address",
                                             "invalid": "Enter an email address like name@oxfordshire.gov.uk"})


class SlotForm(forms.Form):
    day = DateInputField(label="Interview date", required=True, when="future")
    time = forms.TimeField(label="Start time (24-hour, for example 14:30)", input_formats=["%H:%M", "%H.%M"],
                           error_messages={"required": "Enter the start time", "invalid": "Enter a time like 14:30"})
    minutes = forms.IntegerField(label="Length in minutes", min_value=15, max_value=240, initial=45,
                                 error_messages={"required": "Enter the length in minutes",
                                                 "invalid": "Enter the length as a number of minutes",
                                                 "min_value": "An interview lasts at least 15 minutes",
                                                 "max_value": "An interview lasts at most 240 minutes"})
    place = forms.CharField(label="Where", max_length=150, initial="County Hall, Oxford",
                            error_messages={"required": "Enter where the interview is"})

    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"]))


class OutcomeForm(forms.Form):
    appointable = forms.TypedChoiceField(label="Was the candidate of appointable standard?", coerce=lambda v: v == "yes",
                                         choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect,
                                         error_messages={"required": "Say whether the candidate was appointable"})
    preferred = forms.TypedChoiceField(label="Is this your preferred candidate?", coerce=lambda v: v == "yes",
                                       choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect,
                                       error_messages={"required": "Say whether this is your preferred candidate"})


class ChooseForm(forms.Form):
    interview = forms.TypedChoiceField(label="Do you want to interview this candidate?", coerce=lambda v: v == "yes",
                                       choices=[("yes", "Yes, invite to interview"), ("no", "No")],
                                       widget=forms.RadioSelect,
                                       error_messages={"required": "Say whether you want to interview them"})


def score_form(criteria: list[str], data=None) -> forms.Form:
    fields = {}
    for index, criterion in enumerate(criteria):
        fields[f"c{index}"] = forms.TypedChoiceField(
            label=criterion, coerce=int, widget=forms.RadioSelect,
            choices=[(str(n), f"{n}: {word}") for n, word in
                     enumerate(["no evidence", "limited", "acceptable", "good", "excellent"])],
            error_messages={"required": f"Score {criterion}", "invalid_choice": f"Score {criterion} from 0 to 4"})
    fields["note"] = forms.CharField(label="Notes (optional)", required=False, max_length=2000,
                                     widget=forms.Textarea(attrs={"rows": 4}),
                                     error_messages={"max_length": "The notes must be 2,000 characters or fewer"})
    return type("ScoreForm", (forms.Form,), fields)(data)


class CheckForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", widget=forms.RadioSelect,
                                choices=[c for c in CheckOutcome.choices if c[0]],
                                error_messages={"required": "Choose the outcome of the check"})
    note = forms.CharField(label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"max_length": "The notes must be 2,000 characters or fewer"})
    evidence = forms.FileField(label="Evidence (PDF or Word document)", required=False)


class ConfirmForm(forms.Form):
    start_date = DateInputField(label="Agreed start date", required=True, when="any")


# --- the public application, one question per page ------------------------------------------------------

class NameForm(forms.Form):
    name = forms.CharField(label="What is your full name?", max_length=150,
                           error_messages={"required": "Enter your full name",
                                           "max_length": "Your name must be 150 characters or fewer"})


class ContactForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254, help_text="We will only use this about your "
                             "application", error_messages={"required": "Enter your email address",
                                                            "invalid": "Enter an email address in the correct format, "
                                                                       "like name@example.com"})
    phone = forms.CharField(label="Phone number (optional)", max_length=30, required=False,
                            error_messages={"max_length": "The phone number must be 30 characters or fewer"})


class LocationForm(forms.Form):
    location = forms.CharField(label="Where do you live? (town or village)", max_length=100,
                               error_messages={"required": "Enter the town or village where you live",
                                               "max_length": "The town must be 100 characters or fewer"})


class SkillsForm(forms.Form):
    skills = forms.CharField(label="What are your main skills?", max_length=600, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Separate them with commas, for example: customer service, Excel, driving licence",
                             error_messages={"required": "Enter at least one skill",
                                             "max_length": "Your skills must be 600 characters or fewer"})


class StatementForm(forms.Form):
    statement = forms.CharField(label="How do you meet the essential skills for this post?", max_length=5000,
                                widget=forms.Textarea(attrs={"rows": 10}),
                                error_messages={"required": "Say how you meet the essential skills",
                                                "max_length": "Your answer must be 5,000 characters or fewer"})


class CvForm(forms.Form):
    cv = forms.FileField(label="Upload your CV", help_text="A PDF or Word document (.docx), smaller than 5MB",
                         required=False)


class PoolForm(forms.Form):
    pool = forms.TypedChoiceField(label="Can we keep your application in our pool of talent?",
                                  coerce=lambda v: v == "yes", widget=forms.RadioSelect,
                                  choices=[("yes", "Yes, for 12 months: I can leave at any time"), ("no", "No")],
                                  help_text="Our recruitment team may contact you about similar jobs",
                                  error_messages={"required": "Say whether we can keep you in the pool of talent"})


AGE_BANDS = [("", "Prefer not to say"), ("16-24", "16 to 24"), ("25-34", "25 to 34"), ("35-49", "35 to 49"),
             ("50-64", "50 to 64"), ("65+", "65 or over")]
SEXES = [("", "Prefer not to say"), ("female", "Female"), ("male", "Male"), ("other", "Another way")]
ETHNICITIES = [("", "Prefer not to say"), ("asian", "Asian or Asian British"), ("black", "Black, Black British, "
               "Caribbean or African"), ("mixed", "Mixed or multiple ethnic groups"), ("white", "White"),
               ("other", "Another ethnic group")]
DISABILITY = [("", "Prefer not to say"), ("yes", "Yes"), ("no", "No")]


class EqualityForm(forms.Form):
    age_band = forms.ChoiceField(label="Age", choices=AGE_BANDS, required=False, widget=forms.RadioSelect)
    sex = forms.ChoiceField(label="Sex", choices=SEXES, required=False, widget=forms.RadioSelect)
    ethnicity = forms.ChoiceField(label="Ethnic group", choices=ETHNICITIES, required=False, widget=forms.RadioSelect)
    disability = forms.ChoiceField(label="Do you consider yourself disabled?", choices=DISABILITY, required=False,
                                   widget=forms.RadioSelect)


class SlotChoiceForm(forms.Form):
    slot = forms.TypedChoiceField(label="Choose an interview time", coerce=int, widget=forms.RadioSelect,
                                  error_messages={"required": "Choose an interview time",
                                                  "invalid_choice": "Choose a time from the list"})

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        from oxtom.core.formats import govuk_datetime

        self.fields["slot"].choices = [(str(s.pk), f"{govuk_datetime(s.starts_at)} ({s.minutes} minutes, {s.place})")
                                       for s in slots]


class OfferAnswerForm(forms.Form):
    answer = forms.ChoiceField(label="Do you accept the offer?", widget=forms.RadioSelect,
                               choices=[("accept", "Yes, I accept the offer"), ("decline", "No, I decline it")],
                               error_messages={"required": "Say whether you accept the offer"})


class ProfileForm(forms.Form):
    """A role profile, as the recruitment team edits it (people.services.profile_save cleans it again)."""

    title = forms.CharField(label="Job title", max_length=150,
                            error_messages={"required": "Enter the job title",
                                            "max_length": "The job title must be 150 characters or fewer"})
    grade = forms.CharField(label="Grade", max_length=20, help_text="For example, Grade 7",
                            error_messages={"required": "Enter the grade",
                                            "max_length": "The grade must be 20 characters or fewer"})
    directorate = forms.CharField(label="Directorate", max_length=100,
                                  error_messages={"required": "Enter the directorate",
                                                  "max_length": "The directorate must be 100 characters or fewer"})
    summary = forms.CharField(label="What the post does", required=False, max_length=3000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"max_length": "The summary must be 3,000 characters or fewer"})
    dbs_level = forms.ChoiceField(label="Which DBS check does the post need?", choices=DbsLevel.choices,
                                  widget=forms.RadioSelect, help_text="Posts working with children or adults at risk",
                                  error_messages={"required": "Choose the DBS check the post needs",
                                                  "invalid_choice": "Choose the DBS check the post needs"})
    essential_skills = forms.CharField(label="Essential skills", max_length=1500, widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text="Separate them with commas or put one on each line (at most 20)",
                                       error_messages={"required": "Enter at least one essential skill",
                                                       "max_length": "The skills must be 1,500 characters or fewer"})
    interview_criteria = forms.CharField(label="What the interview panel scores", required=False, max_length=800,
                                         widget=forms.Textarea(attrs={"rows": 3}),
                                         help_text="Separate them with commas or put one on each line (at most 10)",
                                         error_messages={"max_length": "The criteria must be 800 characters or fewer"})
    staff_roles = forms.MultipleChoiceField(label="Roles a starter in this post gets on day one", required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            error_messages={"invalid_choice": "Choose roles from the list"})
    teams = forms.ModelMultipleChoiceField(label="Teams a starter in this post joins", required=False,
                                           queryset=None, widget=forms.CheckboxSelectMultiple,
                                           error_messages={"invalid_choice": "Choose teams from the list",
                                                           "invalid_pk_value": "Choose teams from the list"})
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        from oxtom.accounts.models import Team

        from .services import grantable_roles

        super().__init__(*args, **kwargs)
        self.fields["staff_roles"].choices = grantable_roles()
        self.fields["teams"].queryset = Team.objects.order_by("name")

    @classmethod
    def initial_for(cls, profile) -> dict:
        return {"title": profile.title, "grade": profile.grade, "directorate": profile.directorate,
                "summary": profile.summary, "dbs_level": profile.dbs_level,
                "essential_skills": ", ".join(profile.essential_skills or []),
                "interview_criteria": ", ".join(profile.interview_criteria or []),
                "staff_roles": list(profile.staff_roles or []), "teams": list(profile.teams.all()),
                "version": profile.version}
