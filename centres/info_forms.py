from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from centres.info_models import TEXT_MAX, InfoTopic


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _coordinate(label, limit, message):
    return DecimalField(
        label,
        places=None,
        validators=[Optional(), NumberRange(min=-limit, max=limit, message=message)],
    )


class InformationForm(FlaskForm):
    visitor_entrance = StringField(
        _l("Address of the visitor entrance"),
        description=_l(
            "Only if families should go somewhere other than the prison's address. "
            "It is the same in every language."
        ),
        validators=[Length(max=300, message=_l("The address must be 300 characters or fewer"))],
        filters=[_strip],
    )
    latitude = _coordinate(
        _l("Latitude of the visitor entrance"), 90, _l("Enter a latitude between -90 and 90")
    )
    longitude = _coordinate(
        _l("Longitude of the visitor entrance"),
        180,
        _l("Enter a longitude between -180 and 180"),
    )

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and (self.latitude.data is None) != (self.longitude.data is None):
            missing = self.longitude if self.longitude.data is None else self.latitude
            missing.errors.append(_l("Enter both the latitude and the longitude, or neither"))
            return False
        return ok

    def texts(self) -> dict[InfoTopic, str]:
        return {topic: self[topic.value].data or "" for topic in InfoTopic}


for _topic in InfoTopic:
    setattr(
        InformationForm,
        _topic.value,
        TextAreaField(
            _topic.heading,
            description=_topic.staff_hint,
            validators=[
                Length(
                    max=TEXT_MAX,
                    message=_l("Write %(count)s characters or fewer", count=TEXT_MAX),
                )
            ],
            filters=[_strip],
        ),
    )
