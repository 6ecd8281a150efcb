"""Forms for business admin support: they check shape only; the rules are in bas/services.py."""
from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from oxtom.core.forms import DateInputField

from .configuration import MAX_MENU_DESCRIPTION, MAX_NAME
from .models import MAX_TARGET_WORKING_DAYS, Menu, OfficerSkill
from .services import FILE_TYPES, MAX_COMMENT, MAX_DETAILS, MAX_FILES, MAX_MESSAGE


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input. Each is judged by its bytes in the service (bas.services.files_check),
    so the field only passes them on."""

    def clean(self, data: Any, initial: Any = None) -> list:
        if not data:
            return []
        return list(data) if isinstance(data, (list, tuple)) else [data]


def _files_field(label: str) -> forms.FileField:
    return MultipleFileField(label=label, required=False, widget=MultipleFileInput(attrs={"multiple": True}),
                           help_text=f"Up to {MAX_FILES} files, each a {FILE_TYPES} smaller than 10MB")


def _text(label: str, required: str, limit: int, *, help_text: str = "", optional: bool = False) -> forms.CharField:
    return forms.CharField(label=label, max_length=limit, required=not optional, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": required,
                                           "max_length": f"Must be {limit:,} characters or fewer"})


class RequestForm(forms.Form):
    details = _text("What do you need?", "Enter what you need", MAX_DETAILS,
                    help_text="Say what the work is for and anything the officer should know")
    needed_by = DateInputField(label="When do you need it by?", what="The date you need it by", required=True,
                               when="today_or_future", help_text="For example, 27 3 2027")
    files = _files_field("Attach files (optional)")


class DateForm(forms.Form):
    date = DateInputField(label="Date", what="The date", required=True, when="today_or_future",
                          help_text="For example, 27 3 2027")


class MessageForm(forms.Form):
    text = _text("Message", "Enter your message", MAX_MESSAGE)


class DeliverForm(forms.Form):
    note = _text("What are you handing over?", "Say what you are handing over", MAX_DETAILS)
    files = _files_field("The deliverable")


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How would you rate the service?", coerce=int, widget=forms.RadioSelect,
        choices=[(5, "5: very good"), (4, "4: good"), (3, "3: neither good nor poor"), (2, "2: poor"),
                 (1, "1: very poor")],
        error_messages={"required": "Choose a rating from 1 to 5", "invalid_choice": "Choose a rating from 1 to 5"})
    comment = _text("Comments (optional)", "", MAX_COMMENT, optional=True)


class AllocateForm(forms.Form):
    officer = forms.ChoiceField(label="Officer", widget=forms.RadioSelect,
                                error_messages={"required": "Choose an officer",
                                                "invalid_choice": "Choose an officer from the list"})

    def __init__(self, *args: Any, candidates: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officers = {str(c.officer.pk): c.officer for c in candidates}
        self.fields["officer"].choices = [
            (str(c.officer.pk), f"{c.officer}{' (suggested)' if c.suggested else ''}: {c.level_label}, "
                                f"{c.open_requests} open case{'' if c.open_requests == 1 else 's'}")
            for c in candidates]
        if candidates and not self.is_bound:
            self.initial["officer"] = str(candidates[0].officer.pk)

    def clean_officer(self) -> Any:
        return self.officers.get(self.cleaned_data.get("officer") or "")


SKILL_CHOICES = [("", "Not a skill of mine"), *[(str(v), label) for v, label in OfficerSkill.Level.choices]]


class SkillsForm(forms.Form):
    """One choice per menu item: the officer's level, or not a skill."""

    def __init__(self, *args: Any, items: list, levels: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.name, choices=SKILL_CHOICES, required=False,
                initial=str(levels.get(item.pk, "")),
                error_messages={"invalid_choice": f"Choose a level for {item.name} from the list"})

    def levels(self) -> dict[int, int | None]:
        return {item.pk: int(v) if (v := self.cleaned_data.get(f"item_{item.pk}")) else None for item in self.items}


class MenuItemForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120,
                           error_messages={"required": "Enter the service's name",
                                           "max_length": "Must be 120 characters or fewer"})
    menu = forms.ModelChoiceField(label="Menu", queryset=Menu.objects.none(), empty_label=None,
                                  error_messages={"required": "Choose a menu",
                                                  "invalid_choice": "Choose a menu from the list"})
    description = _text("Description", "Describe the service", 1000)
    what_to_provide = _text("What the colleague must provide (optional)", "", 1000, optional=True)
    target_working_days = forms.IntegerField(
        label="Target in working days", min_value=1, max_value=MAX_TARGET_WORKING_DAYS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        help_text="Working days from the request to delivery, England and Wales bank holidays excluded",
        error_messages={"required": "Enter the target in working days",
                        "invalid": "Enter the target as a whole number of working days",
                        "min_value": f"Enter a target from 1 to {MAX_TARGET_WORKING_DAYS} working days",
                        "max_value": f"Enter a target from 1 to {MAX_TARGET_WORKING_DAYS} working days"})
    team = forms.ChoiceField(label="Team", required=False,
                             error_messages={"invalid_choice": "Choose a team from the list"})
    is_active = forms.BooleanField(label="Taking requests", required=False, initial=True)

    def __init__(self, *args: Any, teams: list, current_menu: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Menus in service, and the item's own menu if it has been retired (so the item can still be edited).
        self.fields["menu"].queryset = (Menu.objects.filter(Q(retired_at__isnull=True) | Q(pk=current_menu))
                                        .order_by("position", "name"))
        self.teams = {str(t.pk): t for t in teams}
        self.fields["team"].choices = [("", "The BAS team of the requester's directorate"),
                                       *[(pk, t.name) for pk, t in self.teams.items()]]

    def clean_team(self) -> Any:
        return self.teams.get(self.cleaned_data.get("team") or "")


def _name_field(what: str) -> forms.CharField:
    return forms.CharField(label="Name", max_length=MAX_NAME,
                           error_messages={"required": f"Enter the {what}'s name",
                                           "max_length": f"Must be {MAX_NAME} characters or fewer"})


class _Choice(forms.ChoiceField):
    """A choice among model rows given as a list, cleaned to the row (None for the empty choice)."""

    def __init__(self, *, rows: list = (), empty: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows = {str(r.pk): r for r in rows}
        self.choices = ([("", empty)] if empty else []) + [(pk, str(r)) for pk, r in self.rows.items()]

    def clean(self, value: Any) -> Any:
        return self.rows.get(super().clean(value) or "")


class MenuForm(forms.Form):
    """A whole menu: its name, what it is for and the directorate it serves (none for the generic menu)."""

    name = _name_field("menu")
    description = forms.CharField(label="Description (optional)", max_length=MAX_MENU_DESCRIPTION, required=False,
                                  help_text="One sentence colleagues see under the menu's name",
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  error_messages={"max_length": f"Must be {MAX_MENU_DESCRIPTION} characters or fewer"})

    def __init__(self, *args: Any, directorates: list, generic: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not generic:
            self.fields["directorate"] = _Choice(
                label="Directorate", rows=directorates, empty="Choose a directorate", required=True,
                help_text="The directorate whose services this menu is for",
                error_messages={"required": "Choose the directorate this menu is for",
                                "invalid_choice": "Choose a directorate from the list"})


class DirectorateForm(forms.Form):
    name = _name_field("directorate")

    def __init__(self, *args: Any, teams: list, members: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if members is not None:
            # (team, the directorate it is in now): a team in another directorate says so, as ticking it moves it.
            self.member_rows = {str(team.pk): team for team, _ in members}
            self.fields["member_teams"] = forms.MultipleChoiceField(
                label="Teams in this directorate", required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(str(team.pk), f"{team.name} (now in {now})" if now and now != self.initial.get("name")
                          else team.name) for team, now in members],
                help_text="Colleagues in these teams have their requests sent to this directorate's business admin "
                          "team. A team is in one directorate: ticking a team shown in another moves it here.",
                error_messages={"invalid_choice": "Choose teams from the list"})
        self.fields["bas_team"] = _Choice(
            label="Business admin team", rows=teams, widget=forms.RadioSelect, required=True,
            help_text="New requests from this directorate's colleagues go to this team. Requests already made "
                      "stay with the team they were sent to.",
            error_messages={"required": "Choose the business admin team that serves this directorate",
                            "invalid_choice": "Choose a business admin team from the list"})

    def member_teams(self) -> list | None:
        """The ticked teams as rows, or None when the form has no team checkboxes."""
        if "member_teams" not in self.fields:
            return None
        return [self.member_rows[pk] for pk in self.cleaned_data.get("member_teams", [])]
