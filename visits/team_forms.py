"""Forms for the visits team's pages: weekly sessions, closures, booking rules, requests."""

import re
from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from govuk_forms import ChoiceField, DateInputField, choices
from visits.models import REJECTION_REASON_LABELS, RejectionReason, SessionKind
from visits.schedule import INFORMATION_MAX, WEEKDAYS

REASON_MAX = 200
MESSAGE_MAX = 500
NO_PROBLEM = "none"
TIME = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")


class WholeNumberField(StringField):
    """A number typed in a box; anything else gets the question's own message."""

    def __init__(self, label, what, minimum, maximum, example, required=True, **kwargs):
        super().__init__(label, **kwargs)
        self.what, self.minimum, self.maximum = what, minimum, maximum
        self.example, self.required = example, required
        self.text = None

    def process_formdata(self, valuelist):
        self.text = (valuelist[0] if valuelist else "").strip()
        self.data = int(self.text) if re.fullmatch(r"[0-9]{1,6}", self.text) else None

    def _value(self):
        if self.text is not None:
            return self.text
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form):
        if not self.text:
            if self.required and self.data is None:
                raise StopValidation(_l("Enter %(what)s", what=self.what))
            return
        if not re.fullmatch(r"[0-9]+", self.text):
            raise StopValidation(
                _l(
                    "Enter %(what)s as a whole number, like %(example)s",
                    what=self.what,
                    example=self.example,
                )
            )
        if self.data is None or not self.minimum <= self.data <= self.maximum:
            raise StopValidation(
                _l(
                    "Enter %(what)s between %(minimum)s and %(maximum)s",
                    what=self.what,
                    minimum=self.minimum,
                    maximum=self.maximum,
                )
            )


class TimeOfDayField(StringField):
    def __init__(self, label, what, **kwargs):
        kwargs.setdefault("description", _l("Use the 24-hour clock, for example 14:00"))
        super().__init__(label, **kwargs)
        self.what = what
        self.text = None

    def process_formdata(self, valuelist):
        self.text = (valuelist[0] if valuelist else "").strip()
        match = TIME.fullmatch(self.text)
        self.data = time(int(match.group(1)), int(match.group(2))) if match else None

    def _value(self):
        if self.text is not None:
            return self.text
        return self.data.strftime("%H:%M") if self.data else ""

    def pre_validate(self, form):
        if not self.text and self.data is None:
            raise StopValidation(_l("Enter %(what)s", what=self.what))
        if self.data is None:
            raise StopValidation(
                _l("Enter %(what)s on the 24-hour clock, like 14:00", what=self.what)
            )


class OptionalDateField(DateInputField):
    def _parse(self):
        if not any(self.parts.values()):
            return None
        return super()._parse()


def _reason_field(label, description):
    return TextAreaField(
        label,
        description=description,
        validators=[
            DataRequired(message=_l("Enter the reason")),
            Length(max=REASON_MAX, message=_l("Keep the reason to 200 characters or fewer")),
        ],
        filters=[lambda s: s.strip() if s else s],
    )


def _start_time():
    return TimeOfDayField(_l("Start time"), what=_l("the start time"))


def _end_time():
    return TimeOfDayField(_l("End time"), what=_l("the end time"))


def _open_tables():
    return WholeNumberField(
        _l("Open visit tables"), _l("the number of open visit tables"), 0, 500, 10
    )


def _closed_tables():
    return WholeNumberField(
        _l("Closed visit tables"), _l("the number of closed visit tables"), 0, 500, 2
    )


def _people_places():
    return WholeNumberField(
        _l("Places for people (optional)"),
        _l("the number of places for people"),
        1,
        5000,
        40,
        required=False,
        description=_l(
            "The most people, children included, in the hall. Leave blank to count tables only."
        ),
    )


def _family_information(label, description):
    return TextAreaField(
        label,
        description=description,
        validators=[
            Optional(),
            Length(max=INFORMATION_MAX, message=_l("Keep this to 500 characters or fewer")),
        ],
        filters=[lambda s: s.strip() if s else s],
    )


class WeeklySessionForm(FlaskForm):
    weekday = ChoiceField(
        _l("Day of the week"),
        message=_l("Select the day of the week"),
        choices=choices((str(day), name) for day, name in enumerate(WEEKDAYS)),
    )
    start_time = _start_time()
    end_time = _end_time()
    open_tables = _open_tables()
    closed_tables = _closed_tables()
    people_places = _people_places()
    valid_from = DateInputField(
        _l("First date it runs"),
        what=_l("the first date it runs"),
        validators=[InputRequired()],
        description=_l("For example, 6 1 2031"),
    )
    valid_until = OptionalDateField(
        _l("Last date it runs (optional)"),
        what=_l("the last date it runs"),
        description=_l("Leave blank if it runs until further notice"),
    )
    kind = ChoiceField(
        _l("Type of session"),
        message=_l("Select the type of session"),
        description=_l("Families booking a child-centred visit see what you write about it."),
        # Left out, as by forms made before there were kinds, it is a social session.
        default=SessionKind.SOCIAL.value,
        validators=[Optional()],
        choices=choices(
            [
                (SessionKind.SOCIAL.value, _l("Social visit")),
                (
                    SessionKind.CHILD_CENTRED.value,
                    _l("Child-centred visit, in the family area: at least 1 child must come"),
                ),
            ]
        ),
    )
    play_area = _family_information(
        _l("The play area (optional)"), _l("For example, what there is to play with and where")
    )
    children_may_bring = _family_information(
        _l("What children may bring (optional)"),
        _l("For example, a drawing or school work to show their parent"),
    )
    what_happens = _family_information(
        _l("What will happen (optional)"),
        _l("For example, activities, a shared meal, or time to play together"),
    )


class SessionShapeForm(FlaskForm):
    start_time = _start_time()
    end_time = _end_time()
    open_tables = _open_tables()
    closed_tables = _closed_tables()
    people_places = _people_places()


class EndWeeklySessionForm(FlaskForm):
    last_day = DateInputField(
        _l("Last date this session runs"),
        what=_l("the last date this session runs"),
        validators=[InputRequired()],
        description=_l("Sessions after this date are cancelled. For example, 31 3 2031"),
    )


class ClosureForm(FlaskForm):
    scope = ChoiceField(
        _l("What is closed?"), message=_l("Select the whole prison or one weekly session")
    )
    first_day = DateInputField(
        _l("First day closed"), what=_l("the first day closed"), validators=[InputRequired()]
    )
    last_day = DateInputField(
        _l("Last day closed"), what=_l("the last day closed"), validators=[InputRequired()]
    )
    reason = _reason_field(
        _l("Reason"),
        _l("Families whose visits are cancelled will see this, for example “Staff training”"),
    )


class CancelSessionForm(FlaskForm):
    reason = _reason_field(
        _l("Why is this session cancelled?"),
        _l("Families whose visits are cancelled will see this"),
    )


class BookingRulesForm(FlaskForm):
    max_adults = WholeNumberField(
        _l("Most adults on one visit"), _l("the most adults on one visit"), 1, 10, 3
    )
    max_children = WholeNumberField(
        _l("Most children on one visit"), _l("the most children on one visit"), 0, 10, 3
    )
    max_visitors = WholeNumberField(
        _l("Most visitors on one visit, adults and children together"),
        _l("the most visitors on one visit"),
        1,
        20,
        6,
    )
    adult_age = WholeNumberField(
        _l("Age from which a visitor counts as an adult"),
        _l("the age from which a visitor counts as an adult"),
        10,
        18,
        18,
        description=_l("The main visitor must always be 18 or over"),
    )
    min_notice_days = WholeNumberField(
        _l("Fewest days ahead a visit can be booked"),
        _l("the fewest days ahead"),
        0,
        60,
        2,
        description=_l("0 lets families book a visit for the same day"),
    )
    max_advance_days = WholeNumberField(
        _l("Most days ahead a visit can be booked"), _l("the most days ahead"), 1, 365, 28
    )
    hold_minutes = WholeNumberField(
        _l("Minutes a chosen time is held while a family finishes booking"),
        _l("the minutes a time is held"),
        1,
        60,
        10,
    )
    arrive_minutes_before = WholeNumberField(
        _l("Minutes before the start that visitors should arrive"),
        _l("the minutes before the start"),
        0,
        180,
        30,
    )
    approval = ChoiceField(
        _l("How are bookings confirmed?"),
        message=_l("Select how bookings are confirmed"),
        choices=choices(
            [
                ("instant", _l("At once, when the family books")),
                ("approval", _l("After the visits team checks each request")),
            ]
        ),
    )
    review_days = WholeNumberField(
        _l("Working days the visits team has to check a visit request"),
        _l("the days to check a visit request"),
        1,
        14,
        3,
        description=_l(
            "Weekends and bank holidays are not counted. Families are told this number. A request "
            "not checked in time is rejected automatically, and a change applies to requests "
            "already waiting too."
        ),
    )
    first_visit_within_days = WholeNumberField(
        _l("Days after a prisoner arrives that their first visit can be booked for"),
        _l("the days after arrival for a first visit"),
        1,
        7,
        3,
        description=_l(
            "Families can book these days even when they are sooner than your usual notice. "
            "3 days is 72 hours."
        ),
    )
    first_visit_notice_days = WholeNumberField(
        _l("Fewest days ahead a first visit can be booked"),
        _l("the fewest days ahead for a first visit"),
        0,
        3,
        1,
        description=_l(
            "The same applies to early visits for children whose main carer is the prisoner. "
            "0 lets families book for the same day."
        ),
    )


REJECTION_CHOICES = choices(
    [
        (NO_PROBLEM, _l("No problem with this visitor")),
        *(
            (reason.value, label)
            for reason, label in REJECTION_REASON_LABELS.items()
            if reason is not RejectionReason.NOT_REVIEWED
        ),
    ]
)


def rejection_form(visitors, **kwargs):
    """A reason (or no problem) for each visitor, then an optional message to the family."""

    class RejectionForm(FlaskForm):
        def validate(self, extra_validators=None):
            ok = super().validate(extra_validators)
            if ok and not self.visitor_reasons():
                first = self[f"visitor_{visitors[0].id}"]
                first.errors.append(_l("Choose a reason for at least 1 visitor"))
                return False
            return ok

        def visitor_reasons(self) -> dict[int, RejectionReason]:
            return {
                visitor.id: RejectionReason(self[f"visitor_{visitor.id}"].data)
                for visitor in visitors
                if self[f"visitor_{visitor.id}"].data not in (None, NO_PROBLEM)
            }

    for visitor in visitors:
        setattr(
            RejectionForm,
            f"visitor_{visitor.id}",
            ChoiceField(
                visitor.full_name,
                message=_l("Select a reason for this visitor, or no problem"),
                choices=REJECTION_CHOICES,
                default=NO_PROBLEM,
            ),
        )
    RejectionForm.details = TextAreaField(
        _l("Message to the family (optional)"),
        description=_l(
            "The family will see this with the reasons. Do not include anything they must not know."
        ),
        validators=[
            Optional(),
            Length(max=MESSAGE_MAX, message=_l("Keep the message to 500 characters or fewer")),
        ],
    )
    return RejectionForm(**kwargs)
