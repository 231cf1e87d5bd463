"""Bar charts as SVG drawn on the server: no script, readable when printed.

Each chart is an image with a title for screen readers; the page shows the same
figures in a table beside it.
"""

from dataclasses import dataclass

from flask_babel import format_date, gettext
from markupsafe import Markup

from centres.models import SupportCategory

WIDTH = 640
LABEL_WIDTH = 250
VALUE_ROOM = 90
BAR_AREA = WIDTH - LABEL_WIDTH - VALUE_ROOM
ROW = 34
TEXT_COLOUR = "#0b0c0c"
BAR_COLOUR = "#1d70b8"
TRACK_COLOUR = "#f3f2f1"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    text: str  # written after the bar, such as "12" or "12 of 24"


def bar_chart(chart_id: str, title: str, bars: list[Bar], maximum: int = 0) -> Markup:
    """Horizontal bars scaled to maximum (or to the largest value)."""
    scale = max(maximum, *(bar.value for bar in bars), 1) if bars else max(maximum, 1)
    height = max(len(bars), 1) * ROW
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" id="{id}" role="img" '
            'aria-labelledby="{id}-title" viewBox="0 0 {width} {height}" '
            'preserveAspectRatio="xMinYMin meet" font-family="arial, sans-serif" font-size="16">'
            '<title id="{id}-title">{title}</title>'
        ).format(id=chart_id, width=WIDTH, height=height, title=title)
    ]
    for index, bar in enumerate(bars):
        top = index * ROW
        parts.append(
            Markup(
                '<text x="{label_end}" y="{middle}" text-anchor="end" dominant-baseline="middle" '
                'fill="{ink}">{label}</text>'
                '<rect x="{left}" y="{top}" width="{area}" height="{thickness}" fill="{track}"/>'
                '<rect x="{left}" y="{top}" width="{length}" height="{thickness}" fill="{paint}"/>'
                '<text x="{value_x}" y="{middle}" dominant-baseline="middle" fill="{ink}">'
                "{text}</text>"
            ).format(
                label_end=LABEL_WIDTH - 8,
                middle=top + ROW // 2,
                ink=TEXT_COLOUR,
                label=bar.label,
                left=LABEL_WIDTH,
                top=top + 5,
                area=BAR_AREA,
                thickness=ROW - 10,
                track=TRACK_COLOUR,
                length=round(BAR_AREA * min(bar.value, scale) / scale),
                paint=BAR_COLOUR,
                value_x=LABEL_WIDTH + BAR_AREA + 8,
                text=bar.text,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"


def attendance_chart(summary) -> Markup:
    bars = [
        Bar(gettext("Came"), summary.attended, str(summary.attended)),
        Bar(gettext("Did not come"), summary.no_shows, str(summary.no_shows)),
        Bar(gettext("Not recorded"), summary.not_recorded, str(summary.not_recorded)),
        Bar(gettext("Cancelled"), summary.cancelled, str(summary.cancelled)),
    ]
    return bar_chart("attendance-chart", gettext("Booked visits by what happened"), bars)


def children_chart(summary) -> Markup:
    without = summary.booked - summary.visits_with_children
    share_with = summary.children_share
    share_without = None if share_with is None else 1 - share_with
    bars = [
        Bar(
            gettext("With children"),
            summary.visits_with_children,
            _percent(share_with) or str(summary.visits_with_children),
        ),
        Bar(gettext("Without children"), without, _percent(share_without) or str(without)),
    ]
    return bar_chart(
        "children-chart", gettext("Booked visits with and without children"), bars, summary.booked
    )


def session_use_chart(sessions) -> Markup:
    bars = [
        Bar(
            f"{format_date(s.date, 'EEE d MMM')} {s.start_time:%H:%M}",
            round(s.share_booked * 100),
            gettext("%(booked)s of %(tables)s", booked=s.tables_booked, tables=s.tables),
        )
        for s in sessions
    ]
    return bar_chart("sessions-chart", gettext("Share of tables booked in each session"), bars, 100)


def support_chart(support) -> Markup:
    bars = []
    for category in SupportCategory:
        total = support.signposted.get(category, 0) + support.referred.get(category, 0)
        bars.append(Bar(str(category.label), total, str(total)))
    return bar_chart("support-chart", gettext("Families helped, by category"), bars)
