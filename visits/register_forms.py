"""Forms for the visits team: the prisoner register, visit allowance, restrictions and booking
on behalf of a family. The family's own forms are reused wherever the question is the same."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length, Optional

from govuk_forms import CheckboxesField, ChoiceField, DateInputField, choices
from timeutil import local_today
from visits import rules
from visits.forms import ContactForm, PrisonerForm, VisitorForm, name_field, past_birth_date
from visits.models import PrisonerCategory

CATEGORY_LABELS = {
    PrisonerCategory.REMAND: _l("Remand"),
    PrisonerCategory.CONVICTED: _l("Convicted"),
}
REASON_MAX = 500


class OptionalDateField(DateInputField):
    """Three date boxes that may all be left empty."""

    def _parse(self):
        if not any(self.parts.values()):
            return None
        return super()._parse()


def reason_field(label, missing, description=None):
    return TextAreaField(
        label,
        description=description,
        validators=[
            InputRequired(message=missing),
            Length(max=REASON_MAX, message=_l("Keep this to 500 characters or fewer")),
        ],
        filters=[lambda s: s.strip() if s else s],
    )


def prison_number_field(label, missing, description=None):
    return StringField(
        label,
        description=description
        or _l("This is 1 letter, 4 numbers and 2 letters, for example A1234BC"),
        validators=[InputRequired(message=missing)],
    )


def _normalised_prison_number(field):
    normalised = rules.normalise_prison_number(field.data)
    if normalised is None:
        raise ValidationError(_l("Enter a prison number in the right format, like A1234BC"))
    field.data = normalised


# The prisoner register


class RegisterPrisonerForm(PrisonerForm):
    category = ChoiceField(
        _l("Remand or convicted"),
        message=_l("Select remand or convicted"),
        choices=choices((k.value, v) for k, v in CATEGORY_LABELS.items()),
    )


class ImportForm(FlaskForm):
    csv_file = FileField(_l("CSV file"), description=_l("Save the spreadsheet as CSV UTF-8"))

    def validate_csv_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a CSV file to upload"))


def _whole_number(low, high):
    message = _l("Enter a whole number from %(low)s to %(high)s", low=low, high=high)

    def check(form, field):
        text = (field.data or "").strip()
        if not text.isdigit() or not low <= int(text) <= high:
            raise ValidationError(message)
        field.data = text

    return check


class AllowanceForm(FlaskForm):
    convicted_visits = StringField(
        _l("Visits for a convicted prisoner"),
        validators=[InputRequired(message=_l("Enter the number of visits")), _whole_number(1, 10)],
    )
    convicted_period_days = StringField(
        _l("In any run of this many days"),
        description=_l("Visiting orders are usually issued every 14 days"),
        validators=[InputRequired(message=_l("Enter the number of days")), _whole_number(1, 28)],
    )
    remand_visits_per_week = StringField(
        _l("Visits a week for a remand prisoner"),
        description=_l("A week runs from Monday to Sunday"),
        validators=[InputRequired(message=_l("Enter the number of visits")), _whole_number(1, 7)],
    )


# Restrictions


def _visitor_fields():
    return (
        name_field(_l("Visitor's first name"), _l("Enter the visitor's first name")),
        name_field(_l("Visitor's last name"), _l("Enter the visitor's last name")),
        DateInputField(
            _l("Visitor's date of birth"),
            what=_l("the visitor's date of birth"),
            validators=[InputRequired(), past_birth_date],
        ),
    )


def _dates_and_reason(end_required):
    # Made in page order: WTForms orders fields (and so the error summary) by creation.
    starts_on = DateInputField(
        _l("Starts on"), what=_l("the date it starts"), validators=[InputRequired()]
    )
    if end_required:
        ends_on = DateInputField(
            _l("Ends on"),
            what=_l("the date it ends"),
            description=_l("Restrictions like this are reviewed regularly, often every month"),
            validators=[InputRequired()],
        )
    else:
        ends_on = OptionalDateField(
            _l("Ends on (optional)"),
            what=_l("the date it ends"),
            description=_l("Leave blank if it lasts until someone ends it"),
        )
    reason = reason_field(
        _l("Reason"),
        _l("Enter the reason for the restriction"),
        description=_l("Staff see this; families never do"),
    )
    return starts_on, ends_on, reason


class _RestrictionChecks:
    """Checks shared by every restriction form (fields are listed in page order in each)."""

    def validate_ends_on(self, field):
        if field.data is None:
            return
        if field.data < local_today():
            raise ValidationError(_l("The end date must be today or in the future"))
        if self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must be on or after the start date"))

    def validate_prisoner_number(self, field):
        _normalised_prison_number(field)

    def validate_other_prisoner_number(self, field):
        _normalised_prison_number(field)
        if field.data == rules.normalise_prison_number(self.prisoner_number.data or ""):
            raise ValidationError(_l("Enter 2 different prison numbers"))


def _prisoner_number():
    return prison_number_field(
        _l("Prisoner's prison number"), _l("Enter the prisoner's prison number")
    )


class VisitorBanForm(_RestrictionChecks, FlaskForm):
    visitor_first_name, visitor_last_name, visitor_date_of_birth = _visitor_fields()
    starts_on, ends_on, reason = _dates_and_reason(end_required=True)


class ClosedVisitorForm(_RestrictionChecks, FlaskForm):
    visitor_first_name, visitor_last_name, visitor_date_of_birth = _visitor_fields()
    starts_on, ends_on, reason = _dates_and_reason(end_required=True)


class ClosedPrisonerForm(_RestrictionChecks, FlaskForm):
    prisoner_number = _prisoner_number()
    starts_on, ends_on, reason = _dates_and_reason(end_required=True)


class ChildContactForm(_RestrictionChecks, FlaskForm):
    prisoner_number = _prisoner_number()
    starts_on, ends_on, reason = _dates_and_reason(end_required=False)


class NonAssociationForm(_RestrictionChecks, FlaskForm):
    prisoner_number = _prisoner_number()
    other_prisoner_number = prison_number_field(
        _l("Prison number of the prisoner they must be kept apart from"),
        _l("Enter the other prisoner's prison number"),
    )
    starts_on, ends_on, reason = _dates_and_reason(end_required=False)


class EndRestrictionForm(FlaskForm):
    reason = reason_field(_l("Why is it ending?"), _l("Enter why the restriction is ending"))


# Booking on behalf of a family

CHANNEL_LABELS = {"phone": _l("By phone"), "in_person": _l("In person")}


class ChannelForm(FlaskForm):
    channel = ChoiceField(
        _l("How is the family booking?"),
        message=_l("Select how the family is booking"),
        choices=choices(CHANNEL_LABELS.items()),
    )


class MainVisitorForm(VisitorForm):
    def validate_date_of_birth(self, field):
        if field.data and rules.age_on(field.data, local_today()) < rules.LEAD_VISITOR_MIN_AGE:
            raise ValidationError(_l("The main visitor must be 18 or over"))


class FamilyContactForm(ContactForm):
    """Contact details are optional: a family booking in person may have neither."""

    language = ChoiceField(
        _l("Language for messages"),
        message=_l("Select the language for messages"),
        # Each language named in itself, as on the family pages' language switcher.
        choices=choices([("en", "English"), ("cy", "Cymraeg")]),
        default="en",
    )

    def validate(self, extra_validators=None):
        return FlaskForm.validate(self, extra_validators)


class OnBehalfConfirmForm(FlaskForm):
    override = CheckboxesField(
        _l("Visit allowance"),
        choices=choices([("yes", _l("Book it even though it is over the visit allowance"))]),
        validators=[Optional()],
    )
    override_reason = TextAreaField(
        _l("Reason for going over the allowance"),
        # No Optional(): it would stop the check that a ticked override has a reason.
        validators=[Length(max=REASON_MAX, message=_l("Keep this to 500 characters or fewer"))],
        filters=[lambda s: s.strip() if s else s],
    )

    def validate_override_reason(self, field):
        if "yes" in (self.override.data or []) and not field.data:
            raise ValidationError(_l("Enter the reason for going over the visit allowance"))
