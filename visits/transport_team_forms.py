"""Forms for the visits team's public transport pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.widgets import HiddenInput

from govuk_forms import ChoiceField, DateInputField, choices
from visits.team_forms import TimeOfDayField, WholeNumberField
from visits.transport_team import LONGEST_WAIT_MINUTES, LONGEST_WALK_MINUTES

USED = "yes"
NOT_USED = "no"


class ChooseDayForm(FlaskForm):
    """Read from the address (GET): nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    day = DateInputField(_l("Show another day"), what=_l("the day to show"))


class ApplySuggestionForm(FlaskForm):
    start_time = TimeOfDayField(_l("Start time"), what=_l("the start time"), widget=HiddenInput())


class PrisonStopForm(FlaskForm):
    walk_minutes = WholeNumberField(
        _l("Walking time to the prison, in minutes"),
        _l("the walking time in minutes"),
        1,
        LONGEST_WALK_MINUTES,
        5,
        description=_l("From the stop to the visitors' entrance, at an easy pace"),
    )
    used = ChoiceField(
        _l("Use this stop for journeys to the prison?"),
        message=_l("Select whether to use this stop"),
        choices=choices(
            [
                (USED, _l("Yes, families can use this stop")),
                (NOT_USED, _l("No, do not suggest this stop")),
            ]
        ),
    )


class CheckInWindowForm(FlaskForm):
    earliest_minutes = WholeNumberField(
        _l("How early may visitors reach the gate, in minutes before the session starts?"),
        _l("how early visitors may reach the gate"),
        1,
        LONGEST_WAIT_MINUTES,
        90,
        description=_l("A bus that brings them earlier than this means too long a wait"),
    )
    way_home_minutes = WholeNumberField(
        _l("How long after the session may the way home leave, in minutes?"),
        _l("how long after the session the way home may leave"),
        1,
        LONGEST_WAIT_MINUTES,
        120,
    )
