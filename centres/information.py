"""Information about visiting each prison, kept by staff in each language.

Families read it in their own language. A topic nobody has written in that language yet is
shown in English, marked as English so that screen readers and translation tools know.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app import db
from centres.info_models import InfoTopic, PrisonInformation, PrisonInformationText
from staff import audit
from visits.models import Prison

FALLBACK = "en"
BULLET = ("- ", "* ", "• ")


@dataclass(frozen=True)
class Block:
    kind: str  # "p", "ul" or "ol"
    lines: tuple[str, ...]


def blocks(text: str, numbered: bool = False) -> list[Block]:
    """Paragraphs split by blank lines; lines starting with a dash become a bulleted list.
    Numbered topics (the steps on the day) make every line one step."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    if numbered:
        steps = tuple(_unbullet(line) for line in lines if line)
        return [Block("ol", steps)] if steps else []
    found: list[Block] = []
    paragraph: list[str] = []
    bullets: list[str] = []

    def flush():
        if paragraph:
            found.append(Block("p", (" ".join(paragraph),)))
            paragraph.clear()
        if bullets:
            found.append(Block("ul", tuple(bullets)))
            bullets.clear()

    for line in lines:
        if not line:
            flush()
        elif line.startswith(BULLET):
            if paragraph:
                flush()
            bullets.append(_unbullet(line))
        else:
            if bullets:
                flush()
            paragraph.append(line)
    flush()
    return found


def _unbullet(line: str) -> str:
    for mark in BULLET:
        if line.startswith(mark):
            return line[len(mark) :].strip()
    return line


@dataclass(frozen=True)
class Section:
    topic: InfoTopic
    blocks: list[Block]
    # The language of the text when it is not the page's own (a topic shown in English).
    lang: str | None = None


@dataclass
class FamilyInformation:
    sections: dict[InfoTopic, Section] = field(default_factory=dict)
    visitor_entrance: str = ""
    latitude: float | None = None
    longitude: float | None = None

    def get(self, topic: InfoTopic | str) -> Section | None:
        return self.sections.get(InfoTopic(topic))


def details_of(prison: Prison) -> PrisonInformation | None:
    return db.session.scalar(
        sa.select(PrisonInformation).where(PrisonInformation.prison_id == prison.id)
    )


def texts_of(prison: Prison, language: str) -> dict[InfoTopic, str]:
    rows = db.session.scalars(
        sa.select(PrisonInformationText).where(
            PrisonInformationText.prison_id == prison.id,
            PrisonInformationText.language == language,
        )
    )
    return {row.topic: row.text for row in rows}


def for_family(prison: Prison, language: str) -> FamilyInformation:
    own = texts_of(prison, language)
    english = own if language == FALLBACK else texts_of(prison, FALLBACK)
    info = FamilyInformation()
    for topic in InfoTopic:
        numbered = topic is InfoTopic.ON_THE_DAY
        if own.get(topic):
            info.sections[topic] = Section(topic, blocks(own[topic], numbered))
        elif english.get(topic):
            info.sections[topic] = Section(topic, blocks(english[topic], numbered), FALLBACK)
    details = details_of(prison)
    if details is not None:
        info.visitor_entrance = details.visitor_entrance
        info.latitude, info.longitude = details.latitude, details.longitude
    return info


@dataclass(frozen=True)
class Entrance:
    address: str
    latitude: float | None
    longitude: float | None


def save(
    prison: Prison,
    language: str,
    texts: dict[InfoTopic, str],
    entrance: Entrance,
    staff,
    now: datetime,
) -> int:
    """Store what staff wrote in one language; an empty topic is removed. Returns how many
    topics changed."""
    existing = {
        row.topic: row
        for row in db.session.scalars(
            sa.select(PrisonInformationText).where(
                PrisonInformationText.prison_id == prison.id,
                PrisonInformationText.language == language,
            )
        )
    }
    changed = 0
    for topic in InfoTopic:
        text = (texts.get(topic) or "").strip()
        row = existing.get(topic)
        if row is not None and not text:
            db.session.delete(row)
        elif row is None and text:
            db.session.add(
                PrisonInformationText(
                    prison_id=prison.id,
                    topic=topic,
                    language=language,
                    text=text,
                    updated_at=now,
                    updated_by_id=staff.id,
                )
            )
        elif row is not None and row.text != text:
            row.text, row.updated_at, row.updated_by_id = text, now, staff.id
        else:
            continue
        changed += 1
    details = details_of(prison)
    if details is None:
        details = PrisonInformation(prison_id=prison.id, visitor_entrance="")
        db.session.add(details)
    new = (entrance.address.strip(), entrance.latitude, entrance.longitude)
    if (details.visitor_entrance, details.latitude, details.longitude) != new:
        details.visitor_entrance, details.latitude, details.longitude = new
        changed += 1
    details.updated_at, details.updated_by_id = now, staff.id
    audit.record(
        staff,
        "changed family information",
        "prison",
        prison.id,
        prison.id,
        detail=f"{language}: {changed} changed",
    )
    db.session.flush()
    return changed
