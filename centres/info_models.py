"""What staff tell families about visiting each prison, in each language."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app import db
from timeutil import utcnow
from visits.models import enum_column


class InfoTopic(enum.StrEnum):
    GETTING_THERE = "getting_there"
    OPENING_HOURS = "opening_hours"
    FIRST_VISIT = "first_visit"
    ON_THE_DAY = "on_the_day"
    WHAT_TO_BRING = "what_to_bring"
    ID_RULES = "id_rules"
    DRESS_CODE = "dress_code"
    LOCKERS = "lockers"
    FOOD = "food"
    PLAY_AREA = "play_area"
    ACCESSIBILITY = "accessibility"

    @property
    def heading(self):
        return TOPIC_HEADINGS[self]

    @property
    def staff_hint(self):
        return TOPIC_HINTS[self]


TOPIC_HEADINGS = {
    InfoTopic.GETTING_THERE: _l("How to get there"),
    InfoTopic.OPENING_HOURS: _l("Opening hours"),
    InfoTopic.FIRST_VISIT: _l("Your first visit"),
    InfoTopic.ON_THE_DAY: _l("What happens on the day"),
    InfoTopic.WHAT_TO_BRING: _l("What to bring"),
    InfoTopic.ID_RULES: _l("Identity documents"),
    InfoTopic.DRESS_CODE: _l("What to wear"),
    InfoTopic.LOCKERS: _l("Lockers"),
    InfoTopic.FOOD: _l("Food and drink"),
    InfoTopic.PLAY_AREA: _l("Children's play area"),
    InfoTopic.ACCESSIBILITY: _l("Access and extra help"),
}

TOPIC_HINTS = {
    InfoTopic.GETTING_THERE: _l("Buses, trains, parking and walking routes from the stop."),
    InfoTopic.OPENING_HOURS: _l("When the visitor centre and the prison are open to visitors."),
    InfoTopic.FIRST_VISIT: _l("Advice for families visiting this prison for the first time."),
    InfoTopic.ON_THE_DAY: _l(
        "Write each step on its own line. Families see them as a numbered list."
    ),
    InfoTopic.WHAT_TO_BRING: _l("Start a line with a dash (-) to make a bulleted list."),
    InfoTopic.ID_RULES: _l("Which documents each visitor needs, and who does not need any."),
    InfoTopic.DRESS_CODE: _l("Clothes that are not allowed in the visits hall."),
    InfoTopic.LOCKERS: _l("Where the lockers are and whether they take a coin."),
    InfoTopic.FOOD: _l("Where families can buy food and drink, and what they can take in."),
    InfoTopic.PLAY_AREA: _l("When the play area is open and who looks after it."),
    InfoTopic.ACCESSIBILITY: _l(
        "Step-free routes, hearing loops, accessible toilets and how to ask for help."
    ),
}

TEXT_MAX = 3000


class PrisonInformation(db.Model):
    """Where families should go, when it is not the prison's own address."""

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), unique=True)
    visitor_entrance: Mapped[str] = mapped_column(sa.String(300), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))


class PrisonInformationText(db.Model):
    """One topic of one prison's information, in one language."""

    __table_args__ = (sa.UniqueConstraint("prison_id", "topic", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    topic: Mapped[InfoTopic] = mapped_column(enum_column(InfoTopic))
    language: Mapped[str] = mapped_column(sa.String(8))
    text: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
