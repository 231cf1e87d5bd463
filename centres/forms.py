from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length, Optional

from centres.models import SUPPORT_CATEGORY_LABELS
from govuk_forms import CheckboxesField, ChoiceField, DateInputField, choices

YES_NO = choices([("yes", _l("Yes")), ("no", _l("No"))])
CATEGORIES = choices((c.value, label) for c, label in SUPPORT_CATEGORY_LABELS.items())
LONGEST_REPORT = timedelta(days=366)


class QueryForm(FlaskForm):
    """A form read from the address (GET): nothing changes, so no CSRF token."""

    class Meta:
        csrf = False


class ChooseDayForm(QueryForm):
    day = DateInputField(_l("Show another day"), what=_l("the day to show"))


class SearchForm(QueryForm):
    q = StringField(
        _l("Booking reference or visitor's name"),
        description=_l("A reference finds a visit on any day; a name searches this day's visits"),
        validators=[
            InputRequired(message=_l("Enter a booking reference or a visitor's name")),
            Length(max=100, message=_l("Search for 100 characters or fewer")),
        ],
    )


class IdCheckForm(FlaskForm):
    seen = CheckboxesField(_l("Whose photo ID have you seen?"), validators=[Optional()])


class SupportForm(FlaskForm):
    consent = ChoiceField(
        _l("Has the family agreed to you recording the help you gave them?"),
        message=_l("Select whether the family agreed to you recording the help"),
        choices=YES_NO,
    )
    first_time = ChoiceField(
        _l("Is this the family's first visit to this prison?"),
        message=_l("Select whether this is the family's first visit"),
        choices=YES_NO,
    )
    signposted = CheckboxesField(
        _l("Sign-posted to"),
        description=_l("You gave the family information or contact details"),
        choices=CATEGORIES,
    )
    referred = CheckboxesField(
        _l("Referred to"),
        description=_l("You made a referral for the family"),
        choices=CATEGORIES,
        validators=[Optional()],
    )
    notes = TextAreaField(
        _l("Notes (optional)"),
        description=_l("Do not include names, health details or anything the family told you"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Keep notes to 500 characters or fewer")),
        ],
    )

    def validate_consent(self, field):
        if field.data == "no":
            raise ValidationError(
                _l("You can only record support when the family agrees. Do not record it.")
            )

    def validate_signposted(self, field):
        if not field.data and not self.referred.data:
            raise ValidationError(_l("Select the help you sign-posted or referred the family to"))


class ReportForm(QueryForm):
    start = DateInputField(
        _l("From"), what=_l("the first day of the report"), validators=[InputRequired()]
    )
    end = DateInputField(
        _l("To"), what=_l("the last day of the report"), validators=[InputRequired()]
    )
    weeks = StringField(
        _l("Weeks without a visit before a prisoner is listed as losing contact"),
        validators=[Optional()],
        default="4",
    )

    def validate_end(self, field):
        if self.start.data and field.data is not None:
            if field.data < self.start.data:
                raise ValidationError(_l("The last day must be the same as or after the first"))
            if field.data - self.start.data > LONGEST_REPORT:
                raise ValidationError(_l("Choose a period of a year or less"))

    def validate_weeks(self, field):
        text = (field.data or "").strip()
        if not text.isdigit() or not 1 <= int(text) <= 104:
            raise ValidationError(_l("Enter a number of weeks from 1 to 104"))
