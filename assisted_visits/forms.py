import re
from decimal import Decimal

import phonenumbers
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField, ValidationError
from wtforms.validators import Email, InputRequired, Length, Optional, StopValidation

from assisted_visits import banking
from assisted_visits.claims import MESSAGE_MAX
from assisted_visits.eligibility import AGE_BAND_LABELS, PRISON_LOCATION_LABELS
from assisted_visits.models import (
    BENEFIT_LABELS,
    CHILD_RELATION_LABELS,
    CLAIM_RELATIONSHIP_LABELS,
    EVIDENCE_KIND_LABELS,
    EXPENSE_TYPE_LABELS,
    NAME_MAX,
    REJECT_REASON_LABELS,
    ExpenseType,
)
from assisted_visits.national_insurance import normalise_ni_number
from assisted_visits.rates import Rates, pounds
from govuk_forms import CheckboxesField, ChoiceField, DateInputField, choices
from visits import rules
from visits.forms import past_birth_date

YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]
MONEY = re.compile(r"^[0-9]{1,6}(\.[0-9]{1,2})?$")
ONE_DECIMAL = re.compile(r"^[0-9]{1,4}(\.[0-9])?$")
MAX_COST_PENCE = 500_000
MAX_MILES = 2000
MAX_HOURS = 72
MAX_NIGHTS = 14
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def text_field(label, missing, max_length=NAME_MAX, **kwargs):
    return StringField(
        label,
        validators=[
            InputRequired(message=missing),
            Length(
                max=max_length,
                message=_l("This must be %(count)s characters or fewer", count=max_length),
            ),
        ],
        filters=[_strip],
        **kwargs,
    )


def optional_text(label, max_length, **kwargs):
    return StringField(
        label,
        validators=[
            Optional(),
            Length(
                max=max_length,
                message=_l("This must be %(count)s characters or fewer", count=max_length),
            ),
        ],
        filters=[_strip],
        **kwargs,
    )


def yes_no(label, message, **kwargs):
    return ChoiceField(label, message=message, choices=choices(YES_NO), **kwargs)


def parse_money(raw: str | None) -> int | None:
    """Pence from what a family types for an amount (12, 12.5, £12.50, 1,200), or None."""
    cleaned = re.sub(r"[\s,£]+", "", raw or "")
    if not MONEY.match(cleaned):
        return None
    pence = Decimal(cleaned) * 100
    return int(pence)


def normalise_postcode(raw: str | None) -> str | None:
    cleaned = re.sub(r"\s+", "", raw or "").upper()
    match = POSTCODE.match(cleaned)
    return f"{match.group(1)} {match.group(2)}" if match else None


def normalise_uk_phone(raw: str | None) -> str | None:
    try:
        number = phonenumbers.parse(raw or "", "GB")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 44 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class MoneyField(StringField):
    """An amount in pounds; .pence holds the amount once valid."""

    pence: int | None = None

    def __init__(self, label, missing, **kwargs):
        super().__init__(label, validators=[InputRequired(message=missing)], **kwargs)
        self.missing = missing

    def pre_validate(self, form):
        self.pence = None
        if not (self.data or "").strip():
            return
        pence = parse_money(self.data)
        if pence is None:
            raise ValidationError(_l("Enter an amount in pounds and pence, like 12.50"))
        if pence <= 0:
            raise ValidationError(_l("Enter an amount more than £0"))
        if pence > MAX_COST_PENCE:
            raise ValidationError(
                _l("Enter an amount of %(amount)s or less", amount=pounds(MAX_COST_PENCE))
            )
        self.pence = pence


class NumberField(StringField):
    """A whole number from low to high; .number holds it once valid."""

    number: int | None = None

    def __init__(self, label, missing, wrong, low, high, **kwargs):
        super().__init__(label, validators=[InputRequired(message=missing)], **kwargs)
        self.wrong, self.low, self.high = wrong, low, high

    def pre_validate(self, form):
        self.number = None
        cleaned = (self.data or "").strip()
        if not cleaned:
            return
        if not cleaned.isdigit() or not self.low <= int(cleaned) <= self.high:
            raise ValidationError(self.wrong)
        self.number = int(cleaned)


class DecimalField(StringField):
    """A number with at most one decimal place, more than 0 and at most high."""

    value: Decimal | None = None

    def __init__(self, label, missing, wrong, high, **kwargs):
        super().__init__(label, validators=[InputRequired(message=missing)], **kwargs)
        self.wrong, self.high = wrong, high

    def pre_validate(self, form):
        self.value = None
        cleaned = (self.data or "").strip()
        if not cleaned:
            return
        if not ONE_DECIMAL.match(cleaned) or not 0 < Decimal(cleaned) <= self.high:
            raise ValidationError(self.wrong)
        self.value = Decimal(cleaned)


# The eligibility checker: one question a page.


def earnings_question(rates: Rates):
    return _l(
        "Were your household's earnings %(limit)s or less in your last Universal Credit "
        "assessment period?",
        limit=pounds(rates.universal_credit_monthly_earnings_limit),
    )


ELIGIBILITY_QUESTIONS = {
    "relationship": {
        "label": _l("What is your relationship to the person in prison?"),
        "message": _l("Select your relationship to the person in prison"),
        "choices": list(CLAIM_RELATIONSHIP_LABELS.items()),
    },
    "sole_visitor": {
        "label": _l("Has anyone else visited them in the last 4 weeks?"),
        "message": _l("Select yes if anyone else has visited them in the last 4 weeks"),
        "choices": YES_NO,
        "hint": _l("You can get help as a friend if you are their only visitor."),
    },
    "prison": {
        "label": _l("Where is the prison?"),
        "message": _l("Select where the prison is"),
        "choices": list(PRISON_LOCATION_LABELS.items()),
    },
    "benefit": {
        "label": _l("Which of these do you get?"),
        "message": _l("Select the benefit or certificate you get, or none of these"),
        "choices": list(BENEFIT_LABELS.items()),
        "hint": _l("If you get more than one, choose any one of them."),
    },
    "earnings_within_limit": {
        # The label names the limit in force, so it is set for each page.
        "label": "",
        "message": _l("Select yes if your household's earnings were within the limit"),
        "choices": YES_NO,
        "hint": _l(
            "Count take-home pay for everyone in your household. Do not count housing costs."
        ),
    },
    "age": {
        "label": _l("How old are you?"),
        "message": _l("Select how old you are"),
        "choices": list(AGE_BAND_LABELS.items()),
    },
    "lives_in_northern_ireland": {
        "label": _l("Do you live in Northern Ireland?"),
        "message": _l("Select yes if you live in Northern Ireland"),
        "choices": YES_NO,
    },
}


def _question_form(spec):
    class QuestionForm(FlaskForm):
        answer = ChoiceField(
            spec["label"],
            message=spec["message"],
            choices=choices(spec["choices"]),
            description=spec.get("hint", ""),
        )

    return QuestionForm


QUESTION_FORMS = {name: _question_form(spec) for name, spec in ELIGIBILITY_QUESTIONS.items()}


def eligibility_question(name: str, rates: Rates, answer: str | None):
    form = QUESTION_FORMS[name](answer=answer)
    if name == "earnings_within_limit":
        form.answer.label.text = earnings_question(rates)
    return form


# A claim.


class ClaimStartForm(FlaskForm):
    pass


class ClaimVisitForm(FlaskForm):
    prison = ChoiceField(
        _l("Which prison did you visit, or are you going to visit?"),
        message=_l("Select the prison"),
        coerce=int,
    )
    visit_date = DateInputField(
        _l("Date of the visit"),
        what=_l("the date of the visit"),
        validators=[InputRequired()],
        description=_l("For example, 27 3 2026"),
    )


class AboutYouForm(FlaskForm):
    first_name = text_field(_l("First name"), _l("Enter your first name"))
    last_name = text_field(_l("Last name"), _l("Enter your last name"))
    date_of_birth = DateInputField(
        _l("Date of birth"),
        what=_l("your date of birth"),
        validators=[InputRequired(), past_birth_date],
        description=_l("For example, 27 3 1985"),
    )
    ni_number = StringField(
        _l("National Insurance number"),
        description=_l(
            "It's on your National Insurance card, benefit letter, payslip or P60. For "
            "example, 'QQ 12 34 56 C'."
        ),
        validators=[InputRequired(message=_l("Enter your National Insurance number"))],
    )
    address_line_1 = text_field(
        _l("Address line 1"), _l("Enter the first line of your address"), max_length=200
    )
    address_line_2 = optional_text(_l("Address line 2 (optional)"), 200)
    town = text_field(_l("Town or city"), _l("Enter your town or city"))
    postcode = StringField(
        _l("Postcode"), validators=[InputRequired(message=_l("Enter your postcode"))]
    )
    phone = optional_text(
        _l("Phone number"),
        30,
        description=_l("We will only call or text you about this claim"),
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
        filters=[_strip],
    )

    def validate_ni_number(self, field):
        normalised = normalise_ni_number(field.data)
        if normalised is None:
            raise ValidationError(
                _l("Enter a National Insurance number in the right format, like QQ 12 34 56 C")
            )
        field.data = normalised

    def validate_postcode(self, field):
        normalised = normalise_postcode(field.data)
        if normalised is None:
            raise ValidationError(_l("Enter a real postcode, like CF24 0UG"))
        field.data = normalised

    def validate_phone(self, field):
        if field.data:
            normalised = normalise_uk_phone(field.data)
            if normalised is None:
                raise ValidationError(
                    _l("Enter a UK phone number, like 01632 960 001 or 07700 900 982")
                )
            field.data = normalised

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not self.phone.data and not self.email.data:
            self.phone.errors.append(_l("Enter a phone number or an email address"))
            return False
        return ok


class RelationshipForm(FlaskForm):
    relation = ChoiceField(
        _l("What is your relationship to the prisoner?"),
        message=_l("Select your relationship to the prisoner"),
        choices=choices(CLAIM_RELATIONSHIP_LABELS.items()),
    )


class SoleVisitorForm(FlaskForm):
    anyone_else = yes_no(
        _l("Has anyone else visited them in the last 4 weeks?"),
        _l("Select yes if anyone else has visited them in the last 4 weeks"),
        description=_l("You can claim as a friend if you are their only visitor."),
    )


class BenefitForm(FlaskForm):
    benefit = ChoiceField(
        _l("Which of these do you get?"),
        message=_l("Select the benefit or certificate you get, or none of these"),
        choices=choices(BENEFIT_LABELS.items()),
        description=_l("If you get more than one, choose any one of them."),
    )


class EarningsForm(FlaskForm):
    # The label names the limit in force, so it is set for each page.
    within_limit = yes_no(
        "",
        _l("Select yes if your household's earnings were within the limit"),
        description=_l(
            "Count take-home pay for everyone in your household. Do not count housing costs."
        ),
    )


class AddAnotherForm(FlaskForm):
    add_another = yes_no(
        _l("Did any children go with you, or are any going?"),
        _l("Select yes if any children went with you"),
    )


class ChildForm(FlaskForm):
    first_name = text_field(_l("First name"), _l("Enter the child's first name"))
    last_name = text_field(_l("Last name"), _l("Enter the child's last name"))
    date_of_birth = DateInputField(
        _l("Date of birth"),
        what=_l("the child's date of birth"),
        validators=[InputRequired(), past_birth_date],
        description=_l("For example, 27 3 2016"),
    )
    relation = ChoiceField(
        _l("Whose child are they?"),
        message=_l("Select whose child they are"),
        choices=choices(CHILD_RELATION_LABELS.items()),
    )


class EscortForm(FlaskForm):
    has_escort = yes_no(
        _l("Did someone go with you to help you travel?"),
        _l("Select yes if someone went with you to help you travel"),
    )


class EscortDetailsForm(FlaskForm):
    first_name = text_field(_l("Their first name"), _l("Enter their first name"))
    last_name = text_field(_l("Their last name"), _l("Enter their last name"))
    date_of_birth = DateInputField(
        _l("Their date of birth"),
        what=_l("their date of birth"),
        validators=[InputRequired(), past_birth_date],
        description=_l("For example, 27 3 1985"),
    )
    medical_condition = yes_no(
        _l("Do you have a serious medical condition that means you cannot travel alone?"),
        _l("Select yes if you have a serious medical condition"),
        description=_l("If you say yes, send a letter from a doctor or nurse with your evidence."),
    )


class ExpenseTypeForm(FlaskForm):
    type = ChoiceField(
        _l("What did you pay for?"),
        message=_l("Select what you paid for"),
        choices=choices(EXPENSE_TYPE_LABELS.items()),
    )


def _place(label, missing):
    return text_field(label, missing)


class CarForm(FlaskForm):
    from_place = _place(_l("Where did you start from?"), _l("Enter where you started from"))
    miles = DecimalField(
        _l("How many miles is the return journey?"),
        _l("Enter the miles for the return journey"),
        _l("Enter the miles as a number up to 2000, like 84 or 84.5"),
        MAX_MILES,
        description=_l("Count the journey there and back."),
    )

    def details(self) -> dict:
        return {"from": self.from_place.data, "miles": str(self.miles.value)}


class CarHireForm(FlaskForm):
    days = NumberField(
        _l("How many days did you hire the car for?"),
        _l("Enter the number of days"),
        _l("Enter a number of days from 1 to 14"),
        1,
        MAX_NIGHTS,
    )
    cost = MoneyField(_l("How much did it cost?"), _l("Enter how much it cost"))

    def details(self) -> dict:
        return {"days": self.days.number, "cost": self.cost.pence}


class FareForm(FlaskForm):
    from_place = _place(_l("From"), _l("Enter where you travelled from"))
    to_place = _place(_l("To"), _l("Enter where you travelled to"))
    cost = MoneyField(
        _l("How much were the tickets?"),
        _l("Enter how much the tickets cost"),
        description=_l("The total for everyone we pay for, there and back."),
    )
    first_class = CheckboxesField(
        _l("First class"),
        choices=choices([("yes", _l("These were first class train tickets"))]),
        validators=[Optional()],
    )
    standard_fare = StringField(
        _l("What would standard class tickets have cost?"), validators=[Optional()]
    )

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and "yes" in (self.first_class.data or []):
            self.standard_pence = parse_money(self.standard_fare.data)
            if not self.standard_pence:
                self.standard_fare.errors.append(
                    _l("Enter what standard class tickets would have cost, like 12.50")
                )
                return False
        return ok

    def details(self) -> dict:
        details = {"from": self.from_place.data, "to": self.to_place.data, "cost": self.cost.pence}
        if "yes" in (self.first_class.data or []):
            details.update(first_class=True, standard_fare=self.standard_pence)
        return details


class TaxiForm(FlaskForm):
    from_place = _place(_l("From"), _l("Enter where the taxi picked you up"))
    to_place = _place(_l("To"), _l("Enter where the taxi took you"))
    cost = MoneyField(_l("How much did the taxi cost?"), _l("Enter how much the taxi cost"))
    public_transport = yes_no(
        _l("Is there a bus or train for this part of the journey?"),
        _l("Select yes if there is a bus or train for this part of the journey"),
    )
    walk_minutes = NumberField(
        _l("How many minutes would it take to walk?"),
        _l("Enter how many minutes it would take to walk"),
        _l("Enter the minutes as a whole number, like 25"),
        0,
        600,
    )

    def details(self) -> dict:
        return {
            "from": self.from_place.data,
            "to": self.to_place.data,
            "cost": self.cost.pence,
            "public_transport": self.public_transport.data == "yes",
            "walk_minutes": self.walk_minutes.number,
        }


class RefreshmentsForm(FlaskForm):
    hours = DecimalField(
        _l("How many hours were you away from home?"),
        _l("Enter how many hours you were away from home"),
        _l("Enter the hours as a number up to 72, like 6 or 6.5"),
        MAX_HOURS,
    )

    def details(self) -> dict:
        return {"hours": str(self.hours.value)}


class AccommodationForm(FlaskForm):
    nights = NumberField(
        _l("How many nights?"),
        _l("Enter the number of nights"),
        _l("Enter a number of nights from 1 to 14"),
        1,
        MAX_NIGHTS,
    )
    cost = MoneyField(_l("How much does it cost?"), _l("Enter how much it costs"))
    approved_before = ChoiceField(
        _l("Did we agree to pay for your stay before your visit?"),
        message=_l("Select yes if we agreed to pay for your stay before your visit"),
        choices=choices(YES_NO),
        validators=[Optional()],
    )

    def details(self) -> dict:
        return {
            "nights": self.nights.number,
            "cost": self.cost.pence,
            "approved_before": self.approved_before.data == "yes",
        }


EXPENSE_FORMS = {
    ExpenseType.CAR: CarForm,
    ExpenseType.CAR_HIRE: CarHireForm,
    ExpenseType.BUS: FareForm,
    ExpenseType.TRAIN: FareForm,
    ExpenseType.COACH: FareForm,
    ExpenseType.FERRY: FareForm,
    ExpenseType.TAXI: TaxiForm,
    ExpenseType.REFRESHMENTS: RefreshmentsForm,
    ExpenseType.ACCOMMODATION: AccommodationForm,
}


class EvidenceUploadForm(FlaskForm):
    kind = ChoiceField(
        _l("What is it?"),
        message=_l("Select what the file shows"),
        choices=choices(EVIDENCE_KIND_LABELS.items()),
    )
    file = FileField(
        _l("Upload a file"),
        description=_l("A photo or scan as a JPG, PNG or PDF, smaller than 5 MB"),
    )

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Select a file"))


class EvidenceDoneForm(FlaskForm):
    later = CheckboxesField(
        _l("Sending evidence later"),
        choices=choices([("yes", _l("I will send the rest of my evidence later"))]),
        validators=[Optional()],
    )


class BankForm(FlaskForm):
    account_name = text_field(_l("Name on the account"), _l("Enter the name on the account"))
    sort_code = StringField(
        _l("Sort code"),
        description=_l("Must be 6 digits long"),
        validators=[InputRequired(message=_l("Enter a sort code"))],
    )
    account_number = StringField(
        _l("Account number"),
        description=_l("Must be 8 digits long"),
        validators=[InputRequired(message=_l("Enter an account number"))],
    )

    def validate_sort_code(self, field):
        normalised = banking.normalise_sort_code(field.data)
        if normalised is None:
            raise ValidationError(_l("Enter a valid sort code like 309430"))
        field.data = normalised

    def validate_account_number(self, field):
        normalised = banking.normalise_account_number(field.data)
        if normalised is None:
            raise ValidationError(_l("Enter a valid account number like 00733445"))
        field.data = normalised


class DeclarationForm(FlaskForm):
    declaration = CheckboxesField(
        _l("Declaration"),
        choices=choices(
            [
                (
                    "yes",
                    _l(
                        "I confirm that the information I have given is true and complete. I "
                        "understand that I may have to pay money back, and could be "
                        "prosecuted, if it is not."
                    ),
                )
            ]
        ),
        validators=[
            InputRequired(message=_l("Confirm that the information you have given is true"))
        ],
    )


class FindClaimForm(FlaskForm):
    reference = StringField(
        _l("Claim reference"),
        description=_l("This is 8 letters and numbers, for example BCDF-2345"),
        validators=[InputRequired(message=_l("Enter your claim reference"))],
    )
    date_of_birth = DateInputField(
        _l("Your date of birth"), what=_l("your date of birth"), validators=[InputRequired()]
    )

    def validate_reference(self, field):
        if len(rules.normalise_reference(field.data)) != rules.REFERENCE_LENGTH:
            raise ValidationError(_l("A claim reference has 8 letters and numbers"))


class ReplyForm(FlaskForm):
    message = TextAreaField(
        _l("Your reply"),
        validators=[
            Optional(),
            Length(
                max=MESSAGE_MAX,
                message=_l("Keep this to %(count)s characters or fewer", count=f"{MESSAGE_MAX:,}"),
            ),
        ],
    )


class ConfirmForm(FlaskForm):
    pass


# Caseworkers and visitor-centre staff.


def _message_length():
    return Length(
        max=MESSAGE_MAX,
        message=_l("Keep this to %(count)s characters or fewer", count=f"{MESSAGE_MAX:,}"),
    )


def pounds_and_pence(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


class AmountField(StringField):
    """An amount in pounds to pay, 0 allowed; .pence holds it once valid."""

    pence: int | None = None

    def pre_validate(self, form):
        self.pence = None
        cleaned = (self.data or "").strip()
        if not cleaned:
            raise StopValidation(_l("Enter the amount to pay, or 0 to pay nothing for this cost"))
        pence = parse_money(cleaned)
        if pence is None:
            raise StopValidation(_l("Enter an amount in pounds and pence, like 12.50"))
        if pence > MAX_COST_PENCE:
            raise StopValidation(
                _l("Enter an amount of %(amount)s or less", amount=pounds(MAX_COST_PENCE))
            )
        self.pence = pence


def approve_form(expenses, formdata=None):
    """One amount per cost, filled in with what was claimed, and the reason for any change."""
    fields = {
        f"amount_{expense.id}": AmountField(
            _l("%(number)s. %(cost)s", number=number, cost=expense.type.label),
            default=pounds_and_pence(expense.claimed_pence),
            filters=[_strip],
        )
        for number, expense in enumerate(expenses, start=1)
    }
    fields["reason"] = TextAreaField(
        _l("Reason for changing an amount"),
        description=_l("The family will see this. Leave it empty if you pay every cost in full."),
        validators=[Optional(), _message_length()],
        filters=[_strip],
    )
    form_class = type("ApproveForm", (FlaskForm,), fields)
    return form_class(formdata) if formdata is not None else form_class()


def approved_amounts(form, expenses) -> dict[int, int]:
    return {expense.id: form[f"amount_{expense.id}"].pence for expense in expenses}


class RejectForm(FlaskForm):
    reason = ChoiceField(
        _l("Why can the claim not be approved?"),
        message=_l("Select the reason for not approving the claim"),
        choices=choices((reason.value, label) for reason, label in REJECT_REASON_LABELS.items()),
    )
    note = TextAreaField(
        _l("More about the reason (optional)"),
        description=_l("The family will see this. You must explain another reason here."),
        validators=[Optional(), _message_length()],
        filters=[_strip],
    )


class RequestInformationForm(FlaskForm):
    message = TextAreaField(
        _l("What do you need from the family?"),
        description=_l("The family will see this when they look at their claim."),
        validators=[
            InputRequired(message=_l("Say what information you need from the family.")),
            _message_length(),
        ],
        filters=[_strip],
    )


class AssistForm(FlaskForm):
    visit_reference = optional_text(
        _l("Visit reference (optional)"),
        20,
        description=_l(
            "If the family booked the visit with us, we fill in the claim from the booking."
        ),
    )


class FindClaimForStaffForm(FlaskForm):
    """Read from the address (GET): nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    reference = StringField(
        _l("Find a claim by its reference"),
        description=_l("Decided and closed claims are found here too"),
        validators=[InputRequired(message=_l("Enter a claim reference"))],
        filters=[_strip],
    )

    def validate_reference(self, field):
        if len(rules.normalise_reference(field.data)) != rules.REFERENCE_LENGTH:
            raise ValidationError(_l("A claim reference has 8 letters and numbers"))
