"""What each message to a family says, in their language, within the SMS segment budget.

A message is a list of sentences. Essential ones always stay; optional ones are dropped,
lowest value first, when a text message would take more than SMS_MAX_SEGMENTS segments in
the family's language (any Welsh circumflex makes the whole text UCS-2: 70 characters a
segment, 67 when split). Emails carry every sentence.
"""

import enum
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

import sms


class MessageKind(enum.StrEnum):
    BOOKED = "booked"
    REQUEST_RECEIVED = "request_received"
    REQUEST_ACCEPTED = "request_accepted"
    REQUEST_REJECTED = "request_rejected"
    CANCELLED = "cancelled"
    CANCELLED_BY_STAFF = "cancelled_by_staff"
    TIME_CHANGED = "time_changed"
    SESSION_CLOSED = "session_closed"
    SESSION_CHANGED = "session_changed"
    REMINDER = "reminder"
    REMINDER_TODAY = "reminder_today"
    HELP = "help"
    CANCEL_QUESTION = "cancel_question"
    CANCEL_WHICH = "cancel_which"
    CANCEL_NOT_FOUND = "cancel_not_found"
    FEEDBACK_REPLY = "feedback_reply"
    FAMILY_DAY_OFFER = "family_day_offer"
    FAMILY_DAY_PLACE = "family_day_place"
    FAMILY_DAY_WAITING = "family_day_waiting"
    FAMILY_DAY_DECLINED = "family_day_declined"
    CLAIM_INFO_REQUESTED = "claim_info_requested"
    CLAIM_APPROVED = "claim_approved"
    CLAIM_REJECTED = "claim_rejected"
    CLAIM_REMINDER = "claim_reminder"
    CLAIM_CLOSED = "claim_closed"


REMINDERS = (MessageKind.REMINDER, MessageKind.REMINDER_TODAY)


@dataclass(frozen=True)
class Sentence:
    text: object  # a lazy string with %(name)s placeholders
    drop: int | None = None  # None: essential; optional ones go in increasing order of drop


@dataclass(frozen=True)
class Template:
    subject: object
    sentences: tuple[Sentence, ...]


# Shared sentences. Values that may be long or unknown (the reason, the phone) are sentences
# of their own, so a missing value drops its sentence rather than leaving a gap.
ARRIVE = Sentence(_l("Arrive by %(arrive)s."), drop=3)
PHOTO_ID = Sentence(_l("Everyone aged 16 or over must bring photo ID."), drop=2)
REFERENCE = Sentence(_l("Ref: %(reference)s."))
MANAGE = Sentence(_l("Change or cancel: %(link)s"))
REPLY_TO_CANCEL = Sentence(_l("Or reply CANCEL %(plain_reference)s to cancel."), drop=1)
REASON = Sentence(_l("Reason: %(reason)s"))


def _call(text):
    return Sentence(text, drop=1)


TEMPLATES = {
    MessageKind.BOOKED: Template(
        _l("Visit booked: %(prison)s, %(date)s"),
        (
            Sentence(_l("Your visit to %(prison)s on %(date)s at %(time)s is booked.")),
            ARRIVE,
            PHOTO_ID,
            REFERENCE,
            MANAGE,
        ),
    ),
    MessageKind.REQUEST_RECEIVED: Template(
        _l("Visit request sent: %(prison)s, %(date)s"),
        (
            Sentence(_l("We have your request to visit %(prison)s on %(date)s at %(time)s.")),
            Sentence(_l("We will tell you once the prison has checked it."), drop=2),
            REFERENCE,
            MANAGE,
        ),
    ),
    MessageKind.REQUEST_ACCEPTED: Template(
        _l("Visit confirmed: %(prison)s, %(date)s"),
        (
            Sentence(_l("Your visit to %(prison)s on %(date)s at %(time)s is confirmed.")),
            ARRIVE,
            PHOTO_ID,
            REFERENCE,
            MANAGE,
        ),
    ),
    MessageKind.REQUEST_REJECTED: Template(
        _l("Visit request not approved: %(prison)s, %(date)s"),
        (
            Sentence(
                _l("Your request to visit %(prison)s on %(date)s at %(time)s was not approved.")
            ),
            REASON,
            _call(_l("Call %(phone)s if you have questions.")),
            REFERENCE,
        ),
    ),
    MessageKind.CANCELLED: Template(
        _l("Visit cancelled: %(prison)s, %(date)s"),
        (
            Sentence(_l("Your visit to %(prison)s on %(date)s at %(time)s is cancelled.")),
            REFERENCE,
        ),
    ),
    MessageKind.CANCELLED_BY_STAFF: Template(
        _l("Visit cancelled by the prison: %(prison)s, %(date)s"),
        (
            Sentence(_l("%(prison)s has cancelled your visit on %(date)s at %(time)s.")),
            _call(_l("Call %(phone)s to find out more or to book another visit.")),
            REFERENCE,
        ),
    ),
    MessageKind.TIME_CHANGED: Template(
        _l("Visit time changed: %(prison)s, %(date)s"),
        (
            Sentence(_l("Your visit to %(prison)s is now on %(date)s at %(time)s.")),
            ARRIVE,
            PHOTO_ID,
            REFERENCE,
            MANAGE,
        ),
    ),
    MessageKind.SESSION_CLOSED: Template(
        _l("Visit cancelled by the prison: %(prison)s, %(date)s"),
        (
            Sentence(
                _l(
                    "Sorry, %(prison)s has cancelled all visits on %(date)s at %(time)s, "
                    "so your visit will not go ahead."
                )
            ),
            REASON,
            _call(_l("Call %(phone)s to book another visit.")),
            REFERENCE,
        ),
    ),
    MessageKind.SESSION_CHANGED: Template(
        _l("Visit time changed by the prison: %(prison)s, %(date)s"),
        (
            Sentence(_l("%(prison)s has moved your visit on %(date)s. It now starts at %(time)s.")),
            ARRIVE,
            PHOTO_ID,
            REFERENCE,
            MANAGE,
        ),
    ),
    MessageKind.REMINDER: Template(
        _l("Reminder: your visit to %(prison)s on %(date)s"),
        (
            Sentence(_l("Reminder: your visit to %(prison)s is on %(date)s at %(time)s.")),
            Sentence(ARRIVE.text, drop=4),
            Sentence(PHOTO_ID.text, drop=3),
            REFERENCE,
            MANAGE,
            REPLY_TO_CANCEL,
        ),
    ),
    MessageKind.REMINDER_TODAY: Template(
        _l("Your visit to %(prison)s is today"),
        (
            Sentence(_l("Your visit to %(prison)s is today at %(time)s.")),
            Sentence(ARRIVE.text, drop=4),
            Sentence(PHOTO_ID.text, drop=3),
            REFERENCE,
            MANAGE,
            REPLY_TO_CANCEL,
        ),
    ),
    MessageKind.HELP: Template(
        _l("Visit someone in prison"),
        (
            Sentence(
                _l("Visit someone in prison: to change or cancel a visit, go to %(lookup_link)s")
            ),
            Sentence(_l("We cannot read other replies. Call the prison if you need help."), drop=2),
            Sentence(_l("Reply STOP to stop these texts."), drop=1),
        ),
    ),
    MessageKind.CANCEL_QUESTION: Template(
        _l("Cancel your visit?"),
        (
            Sentence(
                _l(
                    "Reply YES to cancel your visit to %(prison)s on %(date)s at %(time)s "
                    "(ref %(reference)s)."
                )
            ),
            Sentence(_l("If you do not reply YES, your visit stays booked."), drop=1),
        ),
    ),
    MessageKind.CANCEL_WHICH: Template(
        _l("Which visit do you want to cancel?"),
        (
            Sentence(
                _l(
                    "You have more than one visit booked. To cancel one, reply CANCEL and its "
                    "reference, for example CANCEL %(plain_reference)s"
                )
            ),
        ),
    ),
    MessageKind.CANCEL_NOT_FOUND: Template(
        _l("We could not find your visit"),
        (
            Sentence(_l("We could not find a visit to cancel for this number.")),
            Sentence(_l("To change or cancel a visit, go to %(lookup_link)s")),
        ),
    ),
    # Staff replies can be long and personal: the message links to them on a private page.
    MessageKind.FEEDBACK_REPLY: Template(
        _l("Reply to your feedback %(reference)s"),
        (
            Sentence(_l("%(prison)s has replied to your feedback or complaint %(reference)s.")),
            Sentence(_l("Read the reply: %(link)s")),
        ),
    ),
    # "time" is the deadline to accept, with its day.
    MessageKind.FAMILY_DAY_OFFER: Template(
        _l("Family day place offered: %(prison)s, %(date)s"),
        (
            Sentence(_l("A place is free for you at the family day at %(prison)s on %(date)s.")),
            Sentence(_l("Accept it by %(time)s: %(link)s")),
            Sentence(_l("If you do not accept it in time, it goes to the next family."), drop=1),
        ),
    ),
    MessageKind.FAMILY_DAY_PLACE: Template(
        _l("Family day place confirmed: %(prison)s, %(date)s"),
        (
            Sentence(_l("Your family has a place at the family day at %(prison)s on %(date)s.")),
            Sentence(_l("Details: %(link)s")),
        ),
    ),
    MessageKind.FAMILY_DAY_WAITING: Template(
        _l("Family day waiting list: %(prison)s, %(date)s"),
        (
            Sentence(
                _l(
                    "All places at the family day at %(prison)s on %(date)s are taken. "
                    "You are on the waiting list."
                )
            ),
            Sentence(_l("We will tell you if a place becomes free."), drop=1),
            Sentence(_l("Details: %(link)s")),
        ),
    ),
    MessageKind.FAMILY_DAY_DECLINED: Template(
        _l("Family day application not approved: %(prison)s, %(date)s"),
        (
            Sentence(
                _l(
                    "Your application for the family day at %(prison)s on %(date)s was not "
                    "approved."
                )
            ),
            REASON,
            Sentence(_l("Details: %(link)s"), drop=1),
        ),
    ),
    # Claims for help with travel costs: the family reads the details after proving who they are.
    MessageKind.CLAIM_INFO_REQUESTED: Template(
        _l("We need more information about your travel cost claim %(reference)s"),
        (
            Sentence(
                _l(
                    "We need more information to check your claim %(reference)s for help "
                    "with travel costs."
                )
            ),
            Sentence(_l("See what we need and reply: %(link)s")),
        ),
    ),
    MessageKind.CLAIM_APPROVED: Template(
        _l("Your travel cost claim %(reference)s is approved"),
        (
            Sentence(_l("Your claim %(reference)s for help with travel costs is approved.")),
            Sentence(_l("See how much we will pay: %(link)s"), drop=1),
        ),
    ),
    MessageKind.CLAIM_REJECTED: Template(
        _l("Your travel cost claim %(reference)s"),
        (
            Sentence(_l("We cannot pay your claim %(reference)s for help with travel costs.")),
            Sentence(_l("See why: %(link)s")),
        ),
    ),
    MessageKind.CLAIM_REMINDER: Template(
        _l("Reminder: your travel cost claim %(reference)s"),
        (
            Sentence(
                _l("We are still waiting for your reply or evidence for claim %(reference)s.")
            ),
            Sentence(_l("If we do not hear from you by %(date)s, we will close the claim.")),
            Sentence(_l("Reply: %(link)s")),
        ),
    ),
    MessageKind.CLAIM_CLOSED: Template(
        _l("Your travel cost claim %(reference)s is closed"),
        (
            Sentence(
                _l("We have closed your claim %(reference)s because we did not hear from you.")
            ),
            Sentence(_l("You can make a new claim: %(link)s"), drop=1),
        ),
    ),
}

OPTIONAL_VALUES = ("phone", "reason")  # a sentence needing one that is empty is left out
SHORTENABLE = ("reason", "prison")  # cut first: the free text, then the name
SHORTEST = 12


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    segments: int  # 0 for email


def render(kind: MessageKind, language: str, values: dict, sms_segments: int | None) -> Rendered:
    """The message in `language`; a text message (sms_segments set) keeps within that budget."""
    template = TEMPLATES[kind]
    with force_locale(language):
        plain = {name: str(value) for name, value in values.items()}
        sentences = [
            (text, s.drop)
            for s in template.sentences
            if not _lacks_value(text := str(s.text), plain)
        ]
        subject = str(template.subject) % plain
        if sms_segments is None:
            return Rendered(subject, "\n\n".join(text % plain for text, _ in sentences), 0)
        body = _fit(sentences, plain, sms_segments)
        return Rendered(subject, body, sms.segments(body))


def _lacks_value(text: str, values: dict) -> bool:
    return any(f"%({name})s" in text and not values.get(name) for name in OPTIONAL_VALUES)


def _fit(sentences: list[tuple[str, int | None]], values: dict, budget: int) -> str:
    def join(kept):
        return " ".join(text % values for text, _ in kept)

    kept = list(sentences)
    optional = sorted((s for s in sentences if s[1] is not None), key=lambda s: s[1])
    while sms.segments(join(kept)) > budget and optional:
        kept.remove(optional.pop(0))
    values = dict(values)
    for name in SHORTENABLE:
        while sms.segments(join(kept)) > budget and len(values.get(name) or "") > SHORTEST:
            text = values[name].rstrip(".")
            values[name] = text[: max(SHORTEST, len(text) * 4 // 5) - 3].rstrip() + "..."
    body = join(kept)
    # Only a budget too small for the essentials reaches this: cut the text itself.
    while sms.segments(body) > budget:
        body = body[: len(body) * 9 // 10 - 3].rstrip() + "..."
    return body
