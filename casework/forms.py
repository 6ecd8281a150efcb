"""Forms for the queue filters and the case actions.

Forms only check the shape of input (GOV.UK-style messages); the rules of
what may happen to a case live in services.py, whose ValidationErrors the
views put back on these forms.
"""
from __future__ import annotations

from typing import Any

from django import forms

from oxtom.accounts.models import Team
from oxtom.core.forms import DateInputField
from oxtom.places.models import Division

from oxtom.cases import rules
from oxtom.cases.models import OPEN_STATUSES, Decision, Outcome, Priority, Service, Status
from oxtom.cases.selectors import ASSIGNED_ME, ASSIGNED_NOBODY, team_officers
from oxtom.cases.services import can_take_cases

MAX_TEXT = 5000


def _text(label: str, required_message: str, *, short: str, help_text: str = "", rows: int = 5) -> forms.CharField:
    """A textarea whose messages name the thing: 'Reasons must be 5,000 characters or fewer'."""
    return forms.CharField(
        label=label, help_text=help_text, max_length=MAX_TEXT, strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message,
                        "max_length": f"{short} must be {MAX_TEXT:,} characters or fewer"},
    )


# --- queue filters ----------------------------------------------------------------------

class QueueFilterForm(forms.Form):
    """GET filters for a team queue. All optional; a bad value is reported and ignored."""

    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="All services", label="Service",
        error_messages={"invalid_choice": "Choose a service from the list"},
    )
    priority = forms.TypedChoiceField(
        choices=[("", "All priorities"), *Priority.choices], coerce=int, required=False, empty_value=None,
        label="Priority", error_messages={"invalid_choice": "Choose a priority from the list"},
    )
    status = forms.ChoiceField(
        choices=[("", "All open statuses"), *[(s.value, s.label) for s in OPEN_STATUSES]], required=False,
        label="Status", error_messages={"invalid_choice": "Choose a status from the list"},
    )
    division = forms.ModelChoiceField(
        queryset=Division.objects.none(), required=False, empty_label="All divisions", label="Division",
        error_messages={"invalid_choice": "Choose a division from the list"},
    )
    sla = forms.ChoiceField(
        choices=[("", "Any"), *[(s, rules.SlaState.LABELS[s]) for s in rules.SlaState.FILTERABLE]],
        required=False, label="Against target", error_messages={"invalid_choice": "Choose a target state from the list"},
    )
    assigned = forms.ChoiceField(
        choices=[("", "Anyone or no one"), (ASSIGNED_ME, "Assigned to me"), (ASSIGNED_NOBODY, "Unassigned")],
        required=False, label="Assigned", error_messages={"invalid_choice": "Choose who the cases are assigned to"},
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(team=team).order_by("name")
        self.fields["division"].queryset = Division.objects.filter(boundary_set__is_current=True).order_by("name")


# --- case actions --------------------------------------------------------------------------

class CaseActionForm(forms.Form):
    """Every action carries the case version the officer saw (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1,
                                 error_messages={"required": "Reload the case and try again",
                                                 "invalid": "Reload the case and try again",
                                                 "min_value": "Reload the case and try again"})

    def __init__(self, *args: Any, case: Any, user: Any, **kwargs: Any) -> None:
        self.case, self.user = case, user
        kwargs.setdefault("initial", {}).setdefault("version", case.version)
        super().__init__(*args, **kwargs)


class AcceptForm(CaseActionForm):
    pass


class AssignForm(CaseActionForm):
    NOBODY = "nobody"
    assignee = forms.ChoiceField(label="Assign to", widget=forms.RadioSelect,
                                 error_messages={"required": "Choose an officer",
                                                 "invalid_choice": "Choose an officer from the list"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officers = {str(u.pk): u for u in team_officers(self.case.team)}
        choices = [(pk, str(u)) for pk, u in self.officers.items()]
        # An administrator may work any team's case without being in the team: offer them to
        # themselves too, so the page never lists nobody to someone it lets assign.
        if str(self.user.pk) not in self.officers and can_take_cases(self.user, self.case.team_id):
            self.officers[str(self.user.pk)] = self.user
            choices.append((str(self.user.pk), f"{self.user} (you)"))
        if self.case.assignee_id:
            choices.append((self.NOBODY, "No one: put it back in the queue"))
        self.fields["assignee"].choices = choices

    def clean_assignee(self) -> Any:
        value = self.cleaned_data["assignee"]
        return None if value == self.NOBODY else self.officers[value]


class PriorityForm(CaseActionForm):
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, widget=forms.RadioSelect, label="Priority",
                                      error_messages={"required": "Choose a priority",
                                                      "invalid_choice": "Choose a priority from the list"})
    reason = _text("Why is the priority changing?", "Enter why the priority is changing", short="The reason", rows=3)


class ExpectedDateForm(CaseActionForm):
    # The service also refuses dates more than a year ahead (its rule, with its own message).
    expected_date = DateInputField(label="When can the customer expect it?", what="The expected date", required=True,
                                   when="today_or_future",
                                   required_message="Enter the date the customer can expect this done")


class RequestInformationForm(CaseActionForm):
    request_text = _text("What do you need from the customer?", "Enter what you need from the customer", short="The request",
                         help_text="The customer is sent these words.")


class InformationReceivedForm(CaseActionForm):
    details = _text("What did the customer send?", "Enter what the customer sent", short="The details")


class NoteForm(CaseActionForm):
    text = _text("Private note", "Enter a note", short="The note", help_text="Only staff can see notes.", rows=3)


class PublicUpdateForm(CaseActionForm):
    text = _text("Update for the customer", "Enter the update for the customer", short="The update",
                 help_text="The customer can see this and may be sent it.")


class ExtendForm(CaseActionForm):
    new_due = DateInputField(label="New due date", what="The new due date", required=True, when="future",
                             required_message="Enter the new due date",
                             help_text="A working day. The customer is told the new date and the reason.")
    reason = _text("Why does the case need more time?", "Enter why the case needs more time", short="The reason",
                   help_text="The customer can see this.", rows=3)


class NextStageForm(CaseActionForm):
    note = forms.CharField(label="Note (optional)", required=False, max_length=2000, strip=True,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="The customer can see this with the new stage.",
                           error_messages={"max_length": "The note must be 2,000 characters or fewer"})


class FollowOnForm(CaseActionForm):
    service = forms.ModelChoiceField(queryset=Service.objects.none(), label="What kind of follow-on case?",
                                     widget=forms.RadioSelect, empty_label=None,
                                     error_messages={"required": "Choose the kind of follow-on case",
                                                     "invalid_choice": "Choose the kind of follow-on case from the list"})
    reason = _text("Why is a follow-on case needed?", "Enter why a follow-on case is needed", short="The reason",
                   help_text="For example: the customer asked for an internal review of the answer.", rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from oxtom.cases.services import follow_on_services

        self.fields["service"].queryset = Service.objects.filter(
            pk__in=[s.pk for s in follow_on_services(self.case)]).order_by("name")


class TaskForm(forms.Form):
    title = forms.CharField(label="Task", max_length=200, strip=True,
                            error_messages={"required": "Enter what needs to be done",
                                            "max_length": "The task must be 200 characters or fewer"})
    assignee = forms.ChoiceField(label="For (optional)", required=False,
                                 error_messages={"invalid_choice": "Choose an officer from the list"})
    due_on = DateInputField(label="Due by (optional)", what="The due date", required=False, when="today_or_future")

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.officers = {str(u.pk): u for u in team_officers(case.team)}
        self.fields["assignee"].choices = [("", "No one yet"), *[(pk, str(u)) for pk, u in self.officers.items()]]

    def clean_assignee(self) -> Any:
        value = self.cleaned_data.get("assignee") or ""
        return self.officers.get(value)


class DecideForm(CaseActionForm):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect, label="Decision",
                                 error_messages={"required": "Choose a decision",
                                                 "invalid_choice": "Choose a decision from the list"})
    reasons = _text("Reasons for the decision", "Enter the reasons for the decision", short="The reasons",
                    help_text="The customer is told these reasons.")


class CloseForm(CaseActionForm):
    outcome = forms.ChoiceField(choices=[c for c in Outcome.choices if c[0] != Outcome.DUPLICATE],
                                widget=forms.RadioSelect, label="Outcome",
                                error_messages={"required": "Choose an outcome",
                                                "invalid_choice": "Choose an outcome from the list"})
    note = _text("Closing note (optional)", "", short="The closing note", rows=3,
                 help_text="The customer can see this on their case page.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = False


class ReopenForm(CaseActionForm):
    reason = _text("Why is the case being reopened?", "Enter why the case is being reopened", short="The reason", rows=3,
                   help_text="The customer can see this on their case page.")


class DuplicateForm(CaseActionForm):
    original = forms.CharField(label="Reference of the original case", max_length=20,
                               help_text="For example, HW-2026-7KXM3Q",
                               error_messages={"required": "Enter the reference of the original case",
                                               "max_length": "Enter a case reference, like HW-2026-7KXM3Q"})

    def clean_original(self) -> Any:
        from django.http import Http404

        from oxtom.cases.selectors import get_case_for_user

        try:
            return get_case_for_user(self.user, self.cleaned_data["original"])
        except Http404:
            raise forms.ValidationError("Enter the reference of a case you can see, like HW-2026-7KXM3Q") from None


class ReferForm(CaseActionForm):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Refer to", empty_label="Choose a team",
                                  error_messages={"required": "Choose the team to refer the case to",
                                                  "invalid_choice": "Choose a team from the list"})
    reason = _text("Why are you referring it?", "Enter why the case is being referred", short="The reason", rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.exclude(pk=self.case.team_id).order_by("name")


class CustomerReplyForm(forms.Form):
    """The customer answers our request for information from their account."""

    details = _text("Your reply", "Enter your reply", short="Your reply", rows=8,
                    help_text="Tell us what we asked for. Do not include bank or card details.")


__all__ = [
    "QueueFilterForm", "AcceptForm", "AssignForm", "PriorityForm", "ExpectedDateForm", "RequestInformationForm",
    "InformationReceivedForm", "NoteForm", "PublicUpdateForm", "DecideForm", "CloseForm", "ReopenForm",
    "DuplicateForm", "ReferForm", "CustomerReplyForm", "Status",
]


class BulkReassignForm(forms.Form):
    """A team leader gives the ticked cases to one officer. Each tick carries 'case id:version seen'."""

    cases = forms.MultipleChoiceField(
        label="Cases", required=True,
        error_messages={"required": "Select at least one case to reassign",
                        "invalid_choice": "Select cases from the queue"},
    )
    assignee = forms.ChoiceField(label="Give the selected cases to",
                                 error_messages={"required": "Choose an officer",
                                                 "invalid_choice": "Choose an officer from the list"})

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officers = {str(u.pk): u for u in team_officers(team)}
        self.fields["assignee"].choices = [("", "Choose an officer"), *((pk, str(u)) for pk, u in self.officers.items())]
        # Any well-formed "id:version" is a choice; the service checks each one against the database.
        submitted = self.data.getlist("cases") if hasattr(self.data, "getlist") else []
        self.fields["cases"].choices = [(v, v) for v in submitted if _is_case_token(v)]

    def clean_cases(self) -> list[tuple[int, int]]:
        values = self.cleaned_data["cases"]
        if len(values) > 200:
            raise forms.ValidationError("Select 200 cases or fewer at a time")
        return [tuple(int(part) for part in v.split(":")) for v in dict.fromkeys(values)]

    def clean_assignee(self) -> Any:
        return self.officers[self.cleaned_data["assignee"]]


def _is_case_token(value: str) -> bool:
    case_id, sep, version = (value or "").partition(":")
    return bool(sep) and case_id.isdigit() and version.isdigit() and len(value) <= 30


class MemberEnquiryForm(forms.Form):
    """A councillor's enquiry: for a constituent (with consent) or about a place.

    Constituent details are checked by the customer record's own rules when
    the service creates or finds the record; errors come back on these fields.
    """

    ABOUT_CONSTITUENT, ABOUT_PLACE = "constituent", "place"

    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), label="What is it about?", empty_label="Choose a subject",
        error_messages={"required": "Choose what the enquiry is about",
                        "invalid_choice": "Choose a subject from the list"},
    )
    about = forms.ChoiceField(
        label="Who is the enquiry for?", widget=forms.RadioSelect,
        choices=[(ABOUT_CONSTITUENT, "A constituent"), (ABOUT_PLACE, "A place in my division, not a person")],
        error_messages={"required": "Choose who the enquiry is for",
                        "invalid_choice": "Choose who the enquiry is for"},
    )
    title = forms.CharField(label="Subject", max_length=200,
                            error_messages={"required": "Enter a subject for the enquiry",
                                            "max_length": "The subject must be 200 characters or fewer"})
    details = _text("Details of the enquiry", "Enter the details of the enquiry", short="The details")
    location = forms.CharField(label="Place (optional for a constituent)", max_length=200, required=False,
                               help_text="For example, the junction of Bridge Street and Castle Street",
                               error_messages={"max_length": "The place must be 200 characters or fewer"})
    first_name = forms.CharField(label="Constituent's first name", max_length=100, required=False)
    last_name = forms.CharField(label="Constituent's last name", max_length=100, required=False)
    email = forms.CharField(label="Email address", max_length=254, required=False)
    phone = forms.CharField(label="Telephone number", max_length=30, required=False)
    address_line_1 = forms.CharField(label="Address line 1", max_length=200, required=False)
    postcode = forms.CharField(label="Postcode", max_length=20, required=False)
    consent = forms.BooleanField(required=False, label="The constituent has given their consent")
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64,
                                     error_messages={"required": "The form has expired: start again",
                                                     "max_length": "The form has expired: start again"})

    CONSTITUENT_FIELDS = ("first_name", "last_name", "email", "phone", "address_line_1", "postcode")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(kind=Service.Kind.ENQUIRY, is_active=True).order_by("name")
        for name in self.CONSTITUENT_FIELDS:
            label = self.fields[name].label.lower().replace("constituent's ", "")
            self.fields[name].error_messages["max_length"] = f"The {label} is too long"

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("about") == self.ABOUT_CONSTITUENT:
            if not cleaned.get("first_name") and "first_name" not in self.errors:
                self.add_error("first_name", "Enter the constituent's first name")
            if not cleaned.get("last_name") and "last_name" not in self.errors:
                self.add_error("last_name", "Enter the constituent's last name")
        return cleaned

    def constituent(self) -> dict | None:
        if self.cleaned_data.get("about") != self.ABOUT_CONSTITUENT:
            return None
        return {name: self.cleaned_data.get(name, "") for name in self.CONSTITUENT_FIELDS}


class QaCheckForm(forms.Form):
    result = forms.ChoiceField(
        label="Result", widget=forms.RadioSelect,
        choices=[("passed", "Passed"), ("failed", "Failed")],
        error_messages={"required": "Choose whether the case passed or failed",
                        "invalid_choice": "Choose whether the case passed or failed"},
    )
    feedback = _text("Feedback for the officer", "", short="The feedback", rows=4,
                     help_text="Required if the case failed.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feedback"].required = False


class ScreenForm(CaseActionForm):
    """Route a referral from the intake queue: which team, how urgent, and which flags."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Route to", empty_label="Choose a team",
                                  error_messages={"required": "Choose the team that will work the case",
                                                  "invalid_choice": "Choose a team from the list"})
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, widget=forms.RadioSelect, label="Priority",
                                      help_text="A safeguarding concern is always urgent; a vulnerable customer at least high.",
                                      error_messages={"required": "Choose a priority",
                                                      "invalid_choice": "Choose a priority from the list"})
    safeguarding = forms.BooleanField(required=False, label="Safeguarding concern")
    vulnerable_customer = forms.BooleanField(required=False, label="Vulnerable customer")
    special_category = forms.BooleanField(required=False, label="Contains special category data (for example health)")
    note = _text("Screening note (optional)", "", short="The note", rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = False
        self.fields["team"].queryset = Team.objects.exclude(pk=self.case.team_id).order_by("name")
        self.fields["team"].initial = self.case.service.team_id
        self.fields["priority"].initial = self.case.priority
        for flag in ("safeguarding", "vulnerable_customer", "special_category"):
            self.fields[flag].initial = getattr(self.case, flag)
