from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from govuk_forms import ChoiceField, choices
from visits import rules
from visits.feedback_models import (
    KIND_LABELS,
    MESSAGE_MAX,
    THEME_LABELS,
    WRITTEN_BY_LABELS,
)

# The choice for feedback about the website or booking rather than one prison.
WHOLE_SERVICE = "service"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _long_text(label, missing, description=None):
    return TextAreaField(
        label,
        description=description,
        validators=[
            InputRequired(message=missing),
            Length(
                max=MESSAGE_MAX,
                message=_l("Write %(count)s characters or fewer", count=MESSAGE_MAX),
            ),
        ],
        filters=[_strip],
    )


class FeedbackForm(FlaskForm):
    kind = ChoiceField(
        _l("What would you like to do?"),
        message=_l("Select whether you want to give feedback or make a complaint"),
        choices=choices(
            [
                ("feedback", _l("Tell us what went well or what could be better")),
                ("complaint", _l("Make a complaint")),
            ]
        ),
    )
    prison = ChoiceField(
        _l("Which prison is it about?"), message=_l("Select the prison it is about")
    )
    theme = ChoiceField(
        _l("What is it about?"),
        message=_l("Select what it is about"),
        choices=choices((k.value, v) for k, v in THEME_LABELS.items()),
    )
    visit_reference = StringField(
        _l("Booking reference (optional)"),
        description=_l("If it is about one visit, for example BCDF-2345"),
        validators=[Optional(), Length(max=20, message=_l("Enter a booking reference"))],
        filters=[_strip],
    )
    message = _long_text(
        _l("Tell us what happened"),
        _l("Tell us what happened"),
        description=_l("Use your own words. A child can ask an adult to help them write it."),
    )
    written_by = ChoiceField(
        _l("Who is writing this?"),
        message=_l("Select who is writing this"),
        choices=choices((k.value, v) for k, v in WRITTEN_BY_LABELS.items()),
    )
    name = StringField(
        _l("Your name (optional)"),
        description=_l("Leave this empty if you do not want to give your name."),
        validators=[
            Optional(),
            Length(max=100, message=_l("Names must be 100 characters or fewer")),
        ],
        filters=[_strip],
    )
    reply_by = ChoiceField(
        _l("Do you want a reply?"),
        message=_l("Select whether you want a reply"),
        description=_l("We will send you a link to read our reply."),
        choices=choices(
            [
                ("none", _l("No")),
                ("sms", _l("Yes, by text message")),
                ("email", _l("Yes, by email")),
            ]
        ),
    )
    mobile = StringField(
        _l("UK mobile number"),
        description=_l("Only if you want our reply by text message"),
        validators=[Optional()],
        filters=[_strip],
    )
    email = StringField(
        _l("Email address"),
        description=_l("Only if you want our reply by email"),
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

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.reply_by.data == "sms":
            if not self.mobile.data:
                self.mobile.errors.append(_l("Enter a mobile number for our reply"))
                ok = False
            elif (normalised := rules.normalise_uk_mobile(self.mobile.data)) is None:
                self.mobile.errors.append(
                    _l("Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982")
                )
                ok = False
            else:
                self.mobile.data = normalised
        if self.reply_by.data == "email" and not self.email.data and not self.email.errors:
            self.email.errors.append(_l("Enter an email address for our reply"))
            ok = False
        return ok


class TriageForm(FlaskForm):
    kind = ChoiceField(
        _l("Is it feedback or a complaint?"),
        message=_l("Select feedback or complaint"),
        choices=choices((k.value, v) for k, v in KIND_LABELS.items()),
    )
    theme = ChoiceField(
        _l("What is it about?"),
        message=_l("Select what it is about"),
        choices=choices((k.value, v) for k, v in THEME_LABELS.items()),
    )


class ReplyForm(FlaskForm):
    text = _long_text(
        _l("Your reply"),
        _l("Write your reply"),
        description=_l("The family reads this on a private page. Use plain words."),
    )


class CloseForm(FlaskForm):
    outcome = _long_text(
        _l("What was done"),
        _l("Write what was done"),
        description=_l("For staff only: what you did about it, and anything that changed."),
    )
