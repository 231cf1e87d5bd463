"""The prisoner register each visits team keeps: adding, changing and importing from CSV."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from staff import audit
from staff.models import StaffUser
from visits import rules
from visits.models import Prison, Prisoner, PrisonerCategory

COLUMNS = ("prison_number", "first_name", "last_name", "date_of_birth", "category")
NAME_MAX = 100
MAX_IMPORT_BYTES = 2_000_000
PAGE_SIZE = 50


class RegisterError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class PrisonerRecord:
    prison_number: str
    first_name: str
    last_name: str
    date_of_birth: date
    category: PrisonerCategory


def find(prison_id: int, prison_number: str, lock: bool = False) -> Prisoner | None:
    query = sa.select(Prisoner).where(
        Prisoner.prison_id == prison_id, Prisoner.prison_number == prison_number
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def prisoner_id_for(prison_id: int, prison_number: str) -> int | None:
    return db.session.scalar(
        sa.select(Prisoner.id).where(
            Prisoner.prison_id == prison_id, Prisoner.prison_number == prison_number
        )
    )


def search(prison: Prison, words: str):
    query = sa.select(Prisoner).where(Prisoner.prison_id == prison.id)
    for word in (words or "").split()[:5]:
        pattern = f"%{_escape_like(word)}%"
        query = query.where(
            sa.or_(
                Prisoner.prison_number.ilike(pattern, escape="\\"),
                Prisoner.first_name.ilike(pattern, escape="\\"),
                Prisoner.last_name.ilike(pattern, escape="\\"),
            )
        )
    return query.order_by(Prisoner.last_name, Prisoner.first_name, Prisoner.prison_number)


def _escape_like(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


TAKEN = _l("A prisoner with this prison number is already on the register")


def add_prisoner(prison: Prison, staff: StaffUser, record: PrisonerRecord) -> Prisoner:
    if find(prison.id, record.prison_number) is not None:
        raise RegisterError(TAKEN)
    prisoner = Prisoner(prison_id=prison.id, **vars(record))
    db.session.add(prisoner)
    db.session.flush()
    audit.record(staff, "added prisoner", "prisoner", prisoner.id, prison.id)
    return prisoner


def change_prisoner(prisoner: Prisoner, staff: StaffUser, record: PrisonerRecord) -> Prisoner:
    other = find(prisoner.prison_id, record.prison_number)
    if other is not None and other.id != prisoner.id:
        raise RegisterError(TAKEN)
    for name, value in vars(record).items():
        setattr(prisoner, name, value)
    audit.record(staff, "changed prisoner", "prisoner", prisoner.id, prisoner.prison_id)
    return prisoner


# Importing from CSV


class ImportFileError(RegisterError):
    """The whole file cannot be read; nothing is imported."""


@dataclass(frozen=True)
class RejectedRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    reason: object


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected})


def template_csv() -> str:
    return ",".join(COLUMNS) + "\r\n"


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFileError(_l("The file is empty. Choose a CSV file with prisoners in it."))
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError(
            _l("This is a spreadsheet file, not a CSV file. Save it as CSV UTF-8 and upload that.")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _l(
                "The file must be saved as CSV UTF-8. In a spreadsheet, choose Save as, then "
                "CSV UTF-8 (comma delimited)."
            )
        ) from None
    if "\x00" in text:
        raise ImportFileError(_l("This is not a CSV file. Choose a CSV file."))
    return text


def _header_key(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", (name or "").strip().lower())


def _rows(text: str) -> tuple[dict[str, int], list[list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise ImportFileError(
            _l("We could not read this file as CSV. Check it is a CSV file.")
        ) from None
    header = {_header_key(name): index for index, name in enumerate(records[0])}
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            _l(
                "The file is missing these columns: %(columns)s. The first row must name the "
                "columns, as in the template.",
                columns=", ".join(missing),
            )
        )
    return header, records[1:]


def _parse_date(raw: str) -> date | None:
    raw = raw.strip()
    try:
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw):
            year, month, day = match.groups()
        elif match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw):
            day, month, year = match.groups()
        else:
            return None
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _check_row(values: dict[str, str], today: date) -> tuple[PrisonerRecord | None, list]:
    problems = []
    number = rules.normalise_prison_number(values["prison_number"])
    if number is None:
        problems.append(
            ("prison_number", _l("Enter a prison number in the right format, like A1234BC"))
        )
    names = {}
    for column in ("first_name", "last_name"):
        names[column] = " ".join(values[column].split())
        if not names[column]:
            problems.append((column, _l("Enter a name")))
        elif len(names[column]) > NAME_MAX:
            problems.append((column, _l("Names must be 100 characters or fewer")))
    born = _parse_date(values["date_of_birth"])
    if born is None:
        problems.append(("date_of_birth", _l("Enter a real date, like 27/03/1985 or 1985-03-27")))
    elif problem := rules.birth_date_problem(born, today):
        problems.append(("date_of_birth", problem))
    try:
        category = PrisonerCategory(values["category"].strip().lower())
    except ValueError:
        category = None
        problems.append(("category", _l("Enter remand or convicted")))
    if problems:
        return None, problems
    return PrisonerRecord(number, names["first_name"], names["last_name"], born, category), []


def read_file(data: bytes, today: date) -> tuple[list[tuple[int, PrisonerRecord]], list]:
    """The good rows, with their row numbers, and the rejected rows' problems."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(_l("The file must be smaller than 2MB. Split it into smaller files."))
    header, records = _rows(_decode(data))
    good, rejected, first_row_of = [], [], {}
    for row, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        values = {c: record[header[c]] if header[c] < len(record) else "" for c in COLUMNS}
        checked, problems = _check_row(values, today)
        if checked is not None and checked.prison_number in first_row_of:
            problems = [
                (
                    "prison_number",
                    _l(
                        "This prison number is also on row %(row)s",
                        row=first_row_of[checked.prison_number],
                    ),
                )
            ]
        if problems:
            rejected += [RejectedRow(row, column, reason) for column, reason in problems]
            continue
        first_row_of[checked.prison_number] = row
        good.append((row, checked))
    if not good and not rejected:
        raise ImportFileError(_l("The file has no prisoners in it, only the column names."))
    return good, rejected


def import_prisoners(prison: Prison, staff: StaffUser, data: bytes, today: date) -> ImportReport:
    """Add the good rows and update prisoners already on the register, all in the caller's
    transaction; rows with problems are reported and left out."""
    good, rejected = read_file(data, today)
    report = ImportReport(rejected=rejected)
    existing = {
        p.prison_number: p
        for p in db.session.scalars(sa.select(Prisoner).where(Prisoner.prison_id == prison.id))
    }
    for _row, record in good:
        prisoner = existing.get(record.prison_number)
        if prisoner is None:
            prisoner = Prisoner(prison_id=prison.id, **vars(record))
            db.session.add(prisoner)
            report.added += 1
        elif any(getattr(prisoner, k) != v for k, v in vars(record).items()):
            for name, value in vars(record).items():
                setattr(prisoner, name, value)
            report.updated += 1
        else:
            report.unchanged += 1
    audit.record(
        staff,
        "imported prisoners",
        "prisoner",
        None,
        prison.id,
        detail=f"added {report.added}, updated {report.updated}, "
        f"rejected {report.rejected_rows} rows",
    )
    return report
