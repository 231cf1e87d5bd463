from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import Email, InputRequired, Length

from govuk_forms import CheckboxesField, ChoiceField, choices
from staff.models import ROLE_LABELS


class LoginForm(FlaskForm):
    email = StringField(
        _l("Email address"), validators=[InputRequired(message=_l("Enter your email address"))]
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(message=_l("Enter your password"))]
    )


class _NameAndEmail:
    # Declared before the access fields so the error summary follows the page's order.
    name = StringField(
        _l("Full name"),
        validators=[
            InputRequired(message=_l("Enter their full name")),
            Length(max=100, message=_l("Names must be 100 characters or fewer")),
        ],
    )
    email = StringField(
        _l("Work email address"),
        validators=[
            InputRequired(message=_l("Enter their work email address")),
            Length(max=254, message=_l("Email address must be 254 characters or fewer")),
            Email(
                message=_l("Enter an email address in the right format, like name@example.com"),
                check_deliverability=False,
            ),
        ],
    )


class StaffAccessForm(FlaskForm):
    role = ChoiceField(
        _l("Role"),
        message=_l("Select their role"),
        choices=choices((role.value, label) for role, label in ROLE_LABELS.items()),
    )
    prisons = CheckboxesField(_l("Prisons they work at"))

    def validate_prisons(self, field):
        if not field.data:
            raise ValidationError(_l("Select at least one prison"))


class NewStaffForm(StaffAccessForm, _NameAndEmail):
    pass


MIN_PASSWORD_LENGTH = 12


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Enter your current password"))],
    )
    new_password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. A few unrelated words make a strong password."),
        validators=[
            InputRequired(message=_l("Enter a new password")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Your new password must be between 12 and 200 characters"),
            ),
        ],
    )
    confirm_password = PasswordField(
        _l("Type the new password again"),
        validators=[InputRequired(message=_l("Type the new password again"))],
    )

    def validate_confirm_password(self, field):
        if field.data != self.new_password.data:
            raise ValidationError(_l("The passwords do not match"))
