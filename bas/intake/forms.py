"""The post room's and bulk uploads' forms. Field errors use the GOV.UK wording: say what to enter."""
from __future__ import annotations

from django import forms

from oxtom.core.forms import DateInputField

from .datasets import DATASETS
from .services import MAX_FILES, MAX_ROUTE_NOTE, MAX_SENDER, MAX_SUMMARY, POST_FOR_TEAM_SERVICE


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the service checks each by its content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            files = [f for f in data if f]
            if not files and self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            if len(files) > MAX_FILES:
                raise forms.ValidationError(f"Choose {MAX_FILES} files or fewer at a time")
            return [super(MultipleFileField, self).clean(f, initial) for f in files]
        return [super().clean(data, initial)] if data or self.required else []


def _received(required: bool = True) -> DateInputField:
    return DateInputField(label="Date received", what="The date the post was received", required=required,
                          when="today_or_past", help_text="For example, 27 3 2026",
                          required_message="Enter the date the post was received")


class PostLogForm(forms.Form):
    received_on = _received()
    files = MultipleFileField(label="Scanned post", help_text=f"PDF, JPG, PNG or WebP, each smaller than 10MB; "
                              f"up to {MAX_FILES} files, one for each letter",
                              error_messages={"required": "Choose the scanned post to upload",
                                              "empty": "The selected file is empty"})
    sender = forms.CharField(label="Who it is from (optional)", max_length=MAX_SENDER, required=False,
                             help_text="If every file is from the same sender")
    summary = forms.CharField(label="Summary (optional)", max_length=MAX_SUMMARY, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class PostDescribeForm(forms.Form):
    sender = forms.CharField(label="Who it is from", max_length=MAX_SENDER,
                             error_messages={"required": "Enter who the post is from"})
    summary = forms.CharField(label="What it is about", max_length=MAX_SUMMARY, widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": "Enter a summary of the post"})
    received_on = _received()


class CaseMatchForm(forms.Form):
    reference = forms.CharField(label="Case reference", max_length=30, help_text="As the letter quotes it, "
                                "for example HW-2026-7KXM3Q",
                                error_messages={"required": "Enter the case reference the letter quotes"})


class CustomerSearchForm(forms.Form):
    query = forms.CharField(label="Find a customer", max_length=100,
                            help_text="A name, postcode, email address, phone number or customer reference",
                            error_messages={"required": "Enter a name, postcode, email address, phone number or "
                                                        "reference"})


class CustomerChoiceForm(forms.Form):
    customer = forms.CharField(max_length=16, error_messages={"required": "Choose the customer the post is from"})


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.team.name}: {obj.name}"


class RouteForm(forms.Form):
    service = ServiceChoiceField(queryset=None, label="Route to", empty_label="Choose a team and service",
                                 error_messages={"required": "Choose the team and service to route the post to",
                                                 "invalid_choice": "Choose a team and service from the list"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from oxtom.cases.models import Service

        # "Post to action" is for post matched to nobody (TeamRouteForm), not a service a customer's post goes to.
        self.fields["service"].queryset = (Service.objects.filter(is_active=True).exclude(code=POST_FOR_TEAM_SERVICE)
                                           .select_related("team").order_by("team__name", "name"))


class TeamRouteForm(forms.Form):
    """Post matched to no customer and no case: straight to a team's queue, saying why."""

    team = forms.ModelChoiceField(queryset=None, to_field_name="slug", label="Team", empty_label="Choose a team",
                                  error_messages={"required": "Choose the team to route the post to",
                                                  "invalid_choice": "Choose a team from the list"})
    note = forms.CharField(label="What it is and why it goes to this team", max_length=MAX_ROUTE_NOTE,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="The team reads this first, for example: Invoice from a transport operator "
                                     "for route HTS-0107; the contracts team pays these",
                           error_messages={"required": "Enter what the post is and why it goes to this team",
                                           "max_length": f"What the post is and why it goes to this team must be "
                                                         f"{MAX_ROUTE_NOTE:,} characters or fewer"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from oxtom.accounts.models import Team

        self.fields["team"].queryset = Team.objects.order_by("name")


class UploadForm(forms.Form):
    dataset = forms.ChoiceField(label="Which dataset the file holds", widget=forms.RadioSelect,
                                choices=[(d.code, d.name) for d in DATASETS.values()],
                                error_messages={"required": "Choose which dataset the file holds",
                                                "invalid_choice": "Choose a dataset from the list"})
    file = forms.FileField(label="Spreadsheet (CSV or Excel .xlsx)", help_text="Smaller than 20MB",
                           error_messages={"required": "Choose the spreadsheet to upload",
                                           "empty": "The selected file is empty"})
