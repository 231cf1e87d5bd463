"""Forms for family days: the visits team's event and decisions, and the families' application."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from family_days.models import (
    ALLOCATION_LABELS,
    APPLICANT_LABELS,
    CHILD_RELATIONSHIP_LABELS,
    DECLINE_REASON_LABELS,
    INCENTIVE_LABELS,
    Applicant,
)
from govuk_forms import ChoiceField, DateInputField, choices
from timeutil import local_today
from visits import rules
from visits.forms import name_field, past_birth_date
from visits.team_forms import OptionalDateField, TimeOfDayField, WholeNumberField

CHILD_SLOTS = 3
ADULT_SLOTS = 2
NO_GATE = "none"


def _strip(text):
    return text.strip() if text else text


class FamilyDayForm(FlaskForm):
    title = StringField(
        _l("Name of the day"),
        description=_l("For example, Summer family day"),
        validators=[
            InputRequired(message=_l("Enter a name for the day")),
            Length(max=120, message=_l("Keep the name to 120 characters or fewer")),
        ],
        filters=[_strip],
    )
    date = DateInputField(_l("Date"), what=_l("the date of the day"), validators=[InputRequired()])
    start_time = TimeOfDayField(_l("Start time"), what=_l("the start time"))
    end_time = TimeOfDayField(_l("End time"), what=_l("the end time"))
    families = WholeNumberField(_l("Number of families"), _l("the number of families"), 1, 200, 12)
    adults_per_family = WholeNumberField(
        _l("Adults allowed with each family"), _l("the number of adults per family"), 1, 4, 1
    )
    min_child_age = WholeNumberField(
        _l("Youngest age of children"), _l("the youngest age"), 0, 17, 0
    )
    max_child_age = WholeNumberField(_l("Oldest age of children"), _l("the oldest age"), 0, 17, 17)
    applications_open = DateInputField(
        _l("Applications open"), what=_l("the date applications open"), validators=[InputRequired()]
    )
    applications_close = DateInputField(
        _l("Applications close"),
        what=_l("the date applications close"),
        validators=[InputRequired()],
    )
    allocation = ChoiceField(
        _l("How places are given"),
        message=_l("Select how places are given"),
        choices=choices((k.value, v) for k, v in ALLOCATION_LABELS.items()),
    )
    includes = TextAreaField(
        _l("What the day includes"),
        description=_l("For example, lunch together, games and a play area"),
        validators=[
            Length(max=1000, message=_l("Keep this to 1000 characters or fewer")),
        ],
        filters=[_strip],
    )
    minimum_incentive_level = ChoiceField(
        _l("Incentive level needed"),
        message=_l("Select whether an incentive level is needed"),
        description=_l(
            "Linking family days to incentives can harm children. Only set a level if you must."
        ),
        choices=choices(
            [(NO_GATE, _l("None: open to every prisoner"))]
            + [(k.value, v) for k, v in INCENTIVE_LABELS.items()]
        ),
        default=NO_GATE,
    )
    recent_visit_days = WholeNumberField(
        _l("Days since a last visit that give priority in the ballot"),
        _l("the number of days"),
        1,
        730,
        90,
    )
    offer_hours = WholeNumberField(
        _l("Hours a family has to accept a place offered from the waiting list"),
        _l("the number of hours"),
        1,
        336,
        48,
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if (
            self.start_time.data
            and self.end_time.data
            and self.end_time.data <= self.start_time.data
        ):
            self.end_time.errors.append(_l("The end time must be after the start time"))
            valid = False
        low, high = self.min_child_age.data, self.max_child_age.data
        if low is not None and high is not None and high < low:
            self.max_child_age.errors.append(
                _l("The oldest age must be the same as or more than the youngest age")
            )
            valid = False
        opens, closes, day = (
            self.applications_open.data,
            self.applications_close.data,
            self.date.data,
        )
        if opens and closes and closes < opens:
            self.applications_close.errors.append(
                _l("Applications must close on or after the day they open")
            )
            valid = False
        elif closes and day and closes >= day:
            self.applications_close.errors.append(
                _l("Applications must close before the family day")
            )
            valid = False
        return valid


class DeclineForm(FlaskForm):
    reason = ChoiceField(
        _l("Why can this family not come?"),
        message=_l("Select the reason"),
        choices=choices((k.value, v) for k, v in DECLINE_REASON_LABELS.items()),
    )
    details = TextAreaField(
        _l("Details for the family (optional)"),
        validators=[Length(max=500, message=_l("Keep the details to 500 characters or fewer"))],
        filters=[_strip],
    )


class IncentiveLevelForm(FlaskForm):
    level = ChoiceField(
        _l("The prisoner's incentive level"),
        message=_l("Select the prisoner's incentive level"),
        choices=choices((k.value, v) for k, v in INCENTIVE_LABELS.items()),
    )


def _person_fields(cls, prefix: str, what, child: bool) -> None:
    # Every box is optional to WTForms: ApplyForm.validate asks for the people it needs.
    setattr(
        cls,
        f"{prefix}_first_name",
        StringField(_l("First name"), filters=[_strip], validators=[Length(max=100)]),
    )
    setattr(
        cls,
        f"{prefix}_last_name",
        StringField(_l("Last name"), filters=[_strip], validators=[Length(max=100)]),
    )
    setattr(
        cls,
        f"{prefix}_date_of_birth",
        OptionalDateField(
            _l("Date of birth"),
            what=what,
            validators=[past_birth_date],
            description=_l("For example, 27 3 2016"),
        ),
    )
    if child:
        setattr(
            cls,
            f"{prefix}_relation",
            ChoiceField(
                _l("How is the child related to the prisoner?"),
                message=_l("Select how the child is related to the prisoner"),
                choices=choices((k.value, v) for k, v in CHILD_RELATIONSHIP_LABELS.items()),
                validators=[Optional()],
            ),
        )


class ApplyForm(FlaskForm):
    prisoner_first_name = name_field(_l("First name"), _l("Enter the prisoner's first name"))
    prisoner_last_name = name_field(_l("Last name"), _l("Enter the prisoner's last name"))
    prison_number = StringField(
        _l("Prison number"),
        description=_l("This is 1 letter, 4 numbers and 2 letters, for example A1234BC"),
        validators=[InputRequired(message=_l("Enter the prisoner's prison number"))],
    )
    last_visit_on = OptionalDateField(
        _l("When did the children last visit the prisoner? (optional)"),
        what=_l("the date of the last visit"),
        description=_l(
            "Leave this blank if they have not visited. Children who have not visited recently "
            "are given priority."
        ),
    )
    mobile = StringField(_l("UK mobile number"), validators=[Optional()], filters=[_strip])
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
        filters=[_strip],
    )

    def validate_prison_number(self, field):
        normalised = rules.normalise_prison_number(field.data or "")
        if normalised is None:
            raise ValidationError(_l("Enter a prison number in the right format, like A1234BC"))
        field.data = normalised

    def validate_mobile(self, field):
        if field.data:
            normalised = rules.normalise_uk_mobile(field.data)
            if normalised is None:
                raise ValidationError(
                    _l("Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982")
                )
            field.data = normalised

    def validate_last_visit_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("The date of the last visit must be in the past"))

    def person_fields(self, prefix: str, child: bool):
        names = ["first_name", "last_name", "date_of_birth"] + (["relation"] if child else [])
        return [self[f"{prefix}_{name}"] for name in names]

    def slots(self, child: bool):
        count = CHILD_SLOTS if child else ADULT_SLOTS
        kind = "child" if child else "adult"
        return [(n, self.person_fields(f"{kind}{n}", child)) for n in range(1, count + 1)]

    @staticmethod
    def _is_blank(fields) -> bool:
        return not any(
            any(f.parts.values()) if isinstance(f, DateInputField) else f.data for f in fields
        )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for child in (True, False):
            for n, fields in self.slots(child):
                # The first child and the first adult are needed; the others only if started.
                if n > 1 and self._is_blank(fields):
                    continue
                valid = self._require(fields, child) and valid
        if not self.mobile.data and not self.email.data and not self.mobile.errors:
            self.mobile.errors.append(_l("Enter a mobile number or an email address"))
            valid = False
        return valid

    def _require(self, fields, child: bool) -> bool:
        first, last, born = fields[:3]
        whose = _l("the child's") if child else _l("the adult's")
        ok = True
        for field, message in (
            (first, _l("Enter %(whose)s first name", whose=whose)),
            (last, _l("Enter %(whose)s last name", whose=whose)),
        ):
            if not field.data and not field.errors:
                field.errors.append(message)
                ok = False
        if born.data is None and not born.errors:
            born.error_parts = ("day", "month", "year")
            born.errors.append(_l("Enter %(whose)s date of birth", whose=whose))
            ok = False
        if child and not fields[3].data and not fields[3].errors:
            fields[3].errors.append(fields[3].message)
            ok = False
        return ok and not any(f.errors for f in fields)


for _n in range(1, CHILD_SLOTS + 1):
    _person_fields(ApplyForm, f"child{_n}", _l("the child's date of birth"), child=True)
for _n in range(1, ADULT_SLOTS + 1):
    _person_fields(ApplyForm, f"adult{_n}", _l("the adult's date of birth"), child=False)


class OnBehalfForm(ApplyForm):
    applicant = ChoiceField(
        _l("Who are you?"),
        message=_l("Select whether you are a social worker or a carer"),
        choices=choices(
            (k.value, v) for k, v in APPLICANT_LABELS.items() if k is not Applicant.FAMILY
        ),
    )
    applicant_name = name_field(_l("Your full name"), _l("Enter your full name"))
    organisation = StringField(
        _l("Local authority or organisation"),
        validators=[
            InputRequired(message=_l("Enter your local authority or organisation")),
            Length(max=200, message=_l("Keep this to 200 characters or fewer")),
        ],
        filters=[_strip],
    )
    care_plan_reference = StringField(
        _l("Care plan reference"),
        validators=[
            DataRequired(message=_l("Enter the care plan reference")),
            Length(max=60, message=_l("Keep the reference to 60 characters or fewer")),
        ],
        filters=[_strip],
    )
    consent = BooleanField(
        _l(
            "I confirm that the child's care plan allows this contact and that the person or "
            "authority with parental responsibility has given consent"
        ),
        validators=[DataRequired(message=_l("Confirm that consent has been given"))],
    )
