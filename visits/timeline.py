"""A day's arrivals and departures near a prison against its visiting sessions, drawn as an
SVG chart with the same facts in a table for people who cannot see the chart."""

from dataclasses import dataclass
from datetime import time

from flask_babel import gettext as _
from markupsafe import Markup

WIDTH, LEFT, RIGHT = 720, 16, 16
SESSION_Y, SESSION_HEIGHT = 70, 36
ARRIVAL_Y, DEPARTURE_Y = 40, 140
AXIS_Y, HEIGHT = 180, 210
FITS, DOES_NOT_FIT = "#00703c", "#505a5f"


@dataclass(frozen=True)
class TimelineSession:
    label: str
    starts: time
    ends: time
    check_in_from: time  # the window for reaching the gate
    check_in_by: time


@dataclass(frozen=True)
class TimelineCall:
    at: time
    label: str  # "Bus 24 at Prison Gate"
    fits: bool  # inside a session's check-in window, or a way home after one


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _clock(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def day_timeline(
    title: str,
    sessions: list[TimelineSession],
    arrivals: list[TimelineCall],
    departures: list[TimelineCall],
) -> Markup:
    """An SVG chart and its text alternative, as one block of markup. Every text is escaped."""
    moments = [_minutes(c.at) for c in arrivals + departures]
    for s in sessions:
        moments += [_minutes(s.check_in_from), _minutes(s.ends)]
    first = (min(moments, default=9 * 60) // 60) * 60
    last = min(24 * 60, (max(moments, default=17 * 60) // 60 + 1) * 60)
    span = max(60, last - first)

    def x(moment: time | int) -> float:
        minutes = moment if isinstance(moment, int) else _minutes(moment)
        return round(LEFT + (minutes - first) * (WIDTH - LEFT - RIGHT) / span, 1)

    svg = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="app-timeline" viewBox="0 0 {w} {h}"'
        ' width="100%" role="img" aria-labelledby="timeline-title">'
        '<title id="timeline-title">{title}</title>'
    ).format(w=WIDTH, h=HEIGHT, title=title)
    rect = Markup(
        '<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{fill}"{stroke}>'
        "<title>{label} {start} to {end}</title></rect>"
    )
    for s in sessions:
        svg += rect.format(
            x=x(s.check_in_from),
            y=SESSION_Y,
            width=max(1, x(s.check_in_by) - x(s.check_in_from)),
            height=SESSION_HEIGHT,
            fill="#bfe3e0",
            stroke=Markup(' stroke="#005a30"'),
            label=_("Check-in window"),
            start=_clock(s.check_in_from),
            end=_clock(s.check_in_by),
        )
        svg += rect.format(
            x=x(s.starts),
            y=SESSION_Y,
            width=max(1, x(s.ends) - x(s.starts)),
            height=SESSION_HEIGHT,
            fill="#1d70b8",
            stroke="",
            label=s.label,
            start=_clock(s.starts),
            end=_clock(s.ends),
        )
    triangle = Markup('<polygon points="{points}" fill="{fill}"><title>{text}</title></polygon>')
    for calls, y, tip in ((arrivals, ARRIVAL_Y, 1), (departures, DEPARTURE_Y, -1)):
        for call in calls:
            cx = x(call.at)
            svg += triangle.format(
                points=f"{cx - 5},{y - 7 * tip} {cx + 5},{y - 7 * tip} {cx},{y + 3 * tip}",
                fill=FITS if call.fits else DOES_NOT_FIT,
                text=f"{_clock(call.at)} {call.label}",
            )
    svg += Markup('<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#0b0c0c"/>').format(
        left=LEFT, right=WIDTH - RIGHT, y=AXIS_Y
    )
    tick = Markup(
        '<line x1="{x}" y1="{y}" x2="{x}" y2="{y2}" stroke="#0b0c0c"/>'
        '<text x="{x}" y="{y3}" font-size="12" text-anchor="middle" fill="#0b0c0c">{hour}</text>'
    )
    for hour in range(first // 60, last // 60 + 1):
        svg += tick.format(
            x=x(hour * 60), y=AXIS_Y, y2=AXIS_Y + 6, y3=AXIS_Y + 20, hour=f"{hour:02d}:00"
        )
    label = Markup('<text x="{x}" y="{y}" font-size="12" fill="#0b0c0c">{text}</text>')
    svg += label.format(x=LEFT, y=ARRIVAL_Y - 18, text=_("Arrivals"))
    svg += label.format(x=LEFT, y=DEPARTURE_Y + 24, text=_("Departures"))
    svg += Markup("</svg>")
    return svg + _table(title, sessions, arrivals, departures)


def _table(title, sessions, arrivals, departures) -> Markup:
    rows = []
    for s in sessions:
        details = _(
            "%(start)s to %(end)s; check in from %(from)s to %(by)s",
            start=_clock(s.starts),
            end=_clock(s.ends),
            **{"from": _clock(s.check_in_from), "by": _clock(s.check_in_by)},
        )
        rows.append((s.starts, s.label, details))
    for kind, calls in ((_("Arrival"), arrivals), (_("Departure"), departures)):
        for call in calls:
            fits = _("Fits a session") if call.fits else _("Does not fit a session")
            rows.append((call.at, kind, f"{call.label}. {fits}"))
    rows.sort(key=lambda row: _minutes(row[0]))
    row = Markup(
        '<tr class="govuk-table__row"><td class="govuk-table__cell">{time}</td>'
        '<td class="govuk-table__cell">{kind}</td><td class="govuk-table__cell">{text}</td></tr>'
    )
    body = Markup("").join(row.format(time=_clock(at), kind=k, text=t) for at, k, t in rows)
    return Markup(
        '<table class="govuk-table"><caption class="govuk-table__caption'
        ' govuk-table__caption--s">{title}</caption><thead class="govuk-table__head">'
        '<tr class="govuk-table__row"><th scope="col" class="govuk-table__header">{time}</th>'
        '<th scope="col" class="govuk-table__header">{what}</th>'
        '<th scope="col" class="govuk-table__header">{details}</th></tr></thead>'
        '<tbody class="govuk-table__body">{body}</tbody></table>'
    ).format(title=title, time=_("Time"), what=_("What"), details=_("Details"), body=body)
