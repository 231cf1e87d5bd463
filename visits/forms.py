from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from govuk_forms import CheckboxesField, ChoiceField, DateInputField, choices
from timeutil import local_today
from visits import rules
from visits.models import CANCEL_REASON_LABELS, NEEDS_LABELS, RELATIONSHIP_LABELS

NAME_MAX = 100


def name_field(label, missing):
    return StringField(
        label,
        validators=[
            InputRequired(message=missing),
            Length(max=NAME_MAX, message=_l("Names must be 100 characters or fewer")),
        ],
        filters=[lambda s: s.strip() if s else s],
    )


def past_birth_date(form, field):
    if field.data and (problem := rules.birth_date_problem(field.data, local_today())):
        raise ValidationError(problem)


class ChoosePrisonForm(FlaskForm):
    prison = ChoiceField(
        _l("Which prison are you visiting?"), message=_l("Select the prison you are visiting")
    )


class PrisonerForm(FlaskForm):
    first_name = name_field(_l("First name"), _l("Enter the prisoner's first name"))
    last_name = name_field(_l("Last name"), _l("Enter the prisoner's last name"))
    date_of_birth = DateInputField(
        _l("Date of birth"),
        what=_l("the prisoner's date of birth"),
        validators=[InputRequired(), past_birth_date],
        description=_l("For example, 27 3 1985"),
    )
    prison_number = StringField(
        _l("Prison number"),
        description=_l("This is 1 letter, 4 numbers and 2 letters, for example A1234BC"),
        validators=[InputRequired(message=_l("Enter the prisoner's prison number"))],
    )

    def validate_prison_number(self, field):
        normalised = rules.normalise_prison_number(field.data)
        if normalised is None:
            raise ValidationError(_l("Enter a prison number in the right format, like A1234BC"))
        field.data = normalised


class VisitorForm(FlaskForm):
    first_name = name_field(_l("First name"), _l("Enter the visitor's first name"))
    last_name = name_field(_l("Last name"), _l("Enter the visitor's last name"))
    date_of_birth = DateInputField(
        _l("Date of birth"),
        what=_l("the visitor's date of birth"),
        validators=[InputRequired(), past_birth_date],
        description=_l("For example, 27 3 2012"),
    )
    relation = ChoiceField(
        _l("Relationship to the prisoner"),
        message=_l("Select the visitor's relationship to the prisoner"),
        choices=choices((k.value, v) for k, v in RELATIONSHIP_LABELS.items()),
    )


class LeadVisitorForm(VisitorForm):
    first_name = name_field(_l("Your first name"), _l("Enter your first name"))
    last_name = name_field(_l("Your last name"), _l("Enter your last name"))
    date_of_birth = DateInputField(
        _l("Your date of birth"),
        what=_l("your date of birth"),
        validators=[InputRequired(), past_birth_date],
        description=_l("You must be 18 or over to book a visit. For example, 27 3 1985"),
    )
    relation = ChoiceField(
        _l("Your relationship to the prisoner"),
        message=_l("Select your relationship to the prisoner"),
        choices=choices((k.value, v) for k, v in RELATIONSHIP_LABELS.items()),
    )

    def validate_date_of_birth(self, field):
        if field.data and rules.age_on(field.data, local_today()) < rules.LEAD_VISITOR_MIN_AGE:
            raise ValidationError(
                _l("You must be 18 or over to book. Ask an adult visitor to book for you.")
            )


class ContactForm(FlaskForm):
    mobile = StringField(
        _l("UK mobile number"),
        description=_l("We will text you to confirm your visit and remind you before it"),
        validators=[Optional()],
    )
    email = StringField(
        _l("Email address"),
        validators=[
            Optional(),
            Length(max=254, message=_l("Email address must be 254 characters or fewer")),
            Email(
                message=_l("Enter an email address in the right format, like name@example.com"),
                check_deliverability=False,
            ),
        ],
    )

    def validate_mobile(self, field):
        if not field.data:
            return
        normalised = rules.normalise_uk_mobile(field.data)
        if normalised is None:
            raise ValidationError(
                _l("Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982")
            )
        self.normalised_mobile = normalised

    send_by = ChoiceField(
        _l("How should we send your confirmation and reminders?"),
        message=_l("Select how we should send your confirmation and reminders"),
        description=_l("If you do not choose, we use every way of contacting you that you give."),
        choices=choices(
            [
                ("both", _l("By text message and email")),
                ("sms", _l("By text message only")),
                ("email", _l("By email only")),
            ]
        ),
        validators=[Optional()],
    )

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not self.mobile.data and not self.email.data:
            self.mobile.errors.append(_l("Enter a mobile number or an email address"))
            return False
        if ok and self.send_by.data in ("sms", "both") and not self.mobile.data:
            self.mobile.errors.append(_l("Enter a mobile number, or choose to get emails only"))
            ok = False
        if ok and self.send_by.data in ("email", "both") and not self.email.data:
            self.email.errors.append(
                _l("Enter an email address, or choose to get text messages only")
            )
            ok = False
        return ok

    def chosen_contact(self) -> tuple[str | None, str | None]:
        """The mobile number and email address to keep: only those the family wants used."""
        mobile = self.normalised_mobile if self.mobile.data else None
        email = self.email.data or None
        if self.send_by.data == "sms":
            email = None
        elif self.send_by.data == "email":
            mobile = None
        return mobile, email

    @staticmethod
    def send_by_of(contact) -> str | None:
        if contact is None or not (contact.mobile or contact.email):
            return None
        if contact.mobile and contact.email:
            return "both"
        return "sms" if contact.mobile else "email"


class AddAnotherVisitorForm(FlaskForm):
    add_another = ChoiceField(
        _l("Is anyone else coming with you?"),
        message=_l("Select yes if anyone else is coming with you"),
        choices=choices([("yes", _l("Yes")), ("no", _l("No"))]),
    )


class ChooseTimeForm(FlaskForm):
    session = ChoiceField(
        _l("Choose a date and time"),
        message=_l("Choose a date and time for your visit"),
        coerce=int,
    )


class EarlyVisitForm(FlaskForm):
    primary_carer = ChoiceField(
        _l("Was the prisoner the main carer of the children before they went to prison?"),
        message=_l("Select yes if the prisoner was the children's main carer"),
        choices=choices([("yes", _l("Yes")), ("no", _l("No"))]),
    )


class NeedsForm(FlaskForm):
    needs = CheckboxesField(
        _l("Does anyone visiting need extra help?"),
        description=_l("Select all that apply. Leave blank if nobody does."),
        choices=choices(NEEDS_LABELS.items()),
        validators=[Optional()],
    )
    details = TextAreaField(
        _l("Anything else the prison should know (optional)"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Keep this to 500 characters or fewer")),
        ],
    )


class ConfirmForm(FlaskForm):
    pass


class LookupForm(FlaskForm):
    reference = StringField(
        _l("Booking reference"),
        description=_l("This is 8 letters and numbers, for example BCDF-2345"),
        validators=[InputRequired(message=_l("Enter your booking reference"))],
    )
    date_of_birth = DateInputField(
        _l("Main visitor's date of birth"),
        what=_l("the main visitor's date of birth"),
        validators=[InputRequired()],
    )

    def validate_reference(self, field):
        if len(rules.normalise_reference(field.data)) != rules.REFERENCE_LENGTH:
            raise ValidationError(_l("A booking reference has 8 letters and numbers"))


class CancelForm(FlaskForm):
    reason = ChoiceField(
        _l("Why are you cancelling?"),
        message=_l("Select why you are cancelling"),
        choices=choices((k.value, v) for k, v in CANCEL_REASON_LABELS.items()),
    )
    details = TextAreaField(
        _l("Tell us more (optional)"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Keep this to 500 characters or fewer")),
        ],
    )


class ChangeVisitorsForm(FlaskForm):
    keep = CheckboxesField(_l("Who is still coming?"), validators=[Optional()])
