import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import db
from visits.models import Prison


class VisitorCentre(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    run_by: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    opens_minutes_before: Mapped[int] = mapped_column(default=60)
    has_play_area: Mapped[bool] = mapped_column(default=False)
    has_lockers: Mapped[bool] = mapped_column(default=True)
    has_refreshments: Mapped[bool] = mapped_column(default=False)
    step_free: Mapped[bool] = mapped_column(default=True)

    prison: Mapped[Prison] = relationship(backref=sa.orm.backref("visitor_centre", uselist=False))
