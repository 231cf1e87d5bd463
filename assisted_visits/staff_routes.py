"""Travel cost claims for staff: the caseworker's queue and decisions, under
/staff/prisons/<slug>/claims/, and claims that visitor-centre staff fill in with a family."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser_session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import db, talisman
from assisted_visits import banking, casework, claims
from assisted_visits.claims import ClaimError
from assisted_visits.forms import (
    AssistForm,
    ConfirmForm,
    FindClaimForStaffForm,
    RejectForm,
    RequestInformationForm,
    approve_form,
    approved_amounts,
)
from assisted_visits.models import (
    ALLOWED_TRANSITIONS,
    AWAITING_CASEWORKER,
    ClaimStatus,
    EvidenceKind,
    RejectReason,
)
from assisted_visits.rates import rates_for
from assisted_visits.routes import (
    CLAIMS_KEY,
    DOWNLOAD_POLICY,
    DRAFT_KEY,
    SENT_KEY,
    evidence_download,
)
from centres import checkin
from staff.access import add_prison_link, scoped_prison, staff_required
from staff.models import Role
from timeutil import local_today, utcnow

bp = Blueprint(
    "claims_staff",
    __name__,
    url_prefix="/staff/prisons/<slug>/claims",
    template_folder="templates",
)
CASEWORK = (Role.CASEWORKER,)
ASSIST = (Role.CENTRE,)

add_prison_link("claims_staff.queue", _l("Travel cost claims"), *CASEWORK)
add_prison_link("claims_staff.assist", _l("Help a family claim travel costs"), *ASSIST)

STAFF_STATUS_LABELS = {
    ClaimStatus.DRAFT: _l("Started"),
    ClaimStatus.NEW: _l("New"),
    ClaimStatus.PENDING_EVIDENCE: _l("Waiting for evidence"),
    ClaimStatus.INFORMATION_REQUESTED: _l("Waiting for the family's reply"),
    ClaimStatus.UPDATED: _l("Family replied"),
    ClaimStatus.APPROVED: _l("Approved"),
    ClaimStatus.REJECTED: _l("Not approved"),
    ClaimStatus.CLOSED: _l("Closed: no reply"),
}
RULE_LABELS = {
    "relationship": _l("Relationship to the prisoner"),
    "income": _l("Benefit or certificate"),
    "age": _l("Age of the claimant"),
    "residence": _l("Lives outside Northern Ireland"),
    "in_time": _l("Claimed in time"),
    "limits": _l("Open claims and visit limits"),
    "proof_of_visit_booking": _l("Checked in at the visitor centre"),
    "evidence": _l("Evidence"),
    "escort": _l("Escort"),
    "bank_details": _l("Bank details"),
}


# Notes the service writes in a claim's history, as staff read them.
EVENT_NOTES = {
    "reminder sent": _l("Reminder sent to the family"),
    "bank details viewed": _l("Full bank details viewed"),
    "no reply after a reminder": _l("No reply after a reminder"),
}


EVIDENCE_KINDS = {kind.value for kind in EvidenceKind}


def _event_note(note: str):
    kind = note.removeprefix("evidence added: ")
    if kind != note and kind in EVIDENCE_KINDS:
        return _l("Evidence added: %(kind)s", kind=EvidenceKind(kind).label)
    return EVENT_NOTES.get(note, note)


def _actor_names(claim) -> dict[str, str]:
    return {
        "family": _l("The family"),
        "system": _l("The service"),
        **casework.staff_names(claim),
    }


def _claim_or_404(prison, reference):
    return casework.open_claim(current_user, prison, reference) or abort(404)


def _rule_label(claim, name):
    kind, _, item_id = name.partition(":")
    if kind == "child":
        child = next(c for c in claim.children if str(c.id) == item_id)
        return _l("Child: %(name)s", name=child.full_name)
    if kind == "expense":
        expense = next(e for e in claim.expenses if str(e.id) == item_id)
        return _l("Cost: %(type)s", type=expense.type.label)
    return RULE_LABELS[name]


def _problems(detail) -> list[str]:
    if detail is None:
        return []
    items = detail if isinstance(detail, list) else [detail]
    return [str(getattr(item, "label", item)) for item in items]


def _claim_page(prison, claim, revealed=None, status=200):
    now_local = claims.now_in_london()
    checks = [
        {
            "label": _rule_label(claim, check.name),
            "passed": check.passed,
            "problems": _problems(check.detail),
            "informative": check.name == "proof_of_visit_booking",
        }
        for check in claims.rule_checks(claim, now_local)
    ]
    cipher = banking.cipher_from_config(current_app.config)
    response = current_app.make_response(
        (
            render_template(
                "assisted_visits/staff/claim.html",
                prison=prison,
                claim=claim,
                checks=checks,
                status_label=STAFF_STATUS_LABELS[claim.status],
                status_labels=STAFF_STATUS_LABELS,
                actor_names=_actor_names(claim),
                event_note=_event_note,
                reject_label=lambda value: RejectReason(value).label,
                masked=claims.bank_details_of(claim, cipher) if claim.bank_details else None,
                revealed=revealed,
                reveal_form=ConfirmForm(),
                can_approve=claim.status in AWAITING_CASEWORKER,
                can_reject=ClaimStatus.REJECTED in ALLOWED_TRANSITIONS.get(claim.status, ()),
                can_ask=ClaimStatus.INFORMATION_REQUESTED
                in ALLOWED_TRANSITIONS.get(claim.status, ()),
                missing=claims.missing_evidence(claim, now_local),
                people=claims.people_paid_for(claim),
            ),
            status,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _show_claim_error(form, error: ClaimError):
    for message, field_name in zip(error.messages, error.fields, strict=True):
        if field_name and field_name in form:
            form[field_name].errors = [*form[field_name].errors, message]
        else:
            form.form_errors.append(message)


def _decided(prison, claim, message):
    flash(str(message), "success")
    return redirect(url_for(".claim", slug=prison.slug, reference=claim.reference))


@bp.route("")
@staff_required(*CASEWORK)
def queue(slug):
    prison = scoped_prison(slug)
    find_form = FindClaimForStaffForm(request.args)
    if "reference" in request.args and find_form.validate():
        found = casework.open_claim(current_user, prison, find_form.reference.data)
        if found is not None:
            db.session.commit()
            return redirect(url_for(".claim", slug=slug, reference=found.reference))
        find_form.reference.errors = [
            _l("No claim at %(prison)s has that reference", prison=prison.name)
        ]
    waiting = casework.queue(current_user, prison)
    db.session.commit()
    return render_template(
        "assisted_visits/staff/queue.html",
        prison=prison,
        waiting=waiting,
        form=find_form,
        rates=rates_for(prison.nation, local_today()),
        status_labels=STAFF_STATUS_LABELS,
        missing_evidence=lambda claim: claims.missing_evidence(claim, claims.now_in_london()),
    )


@bp.route("/<reference>")
@staff_required(*CASEWORK)
def claim(slug, reference):
    prison = scoped_prison(slug)
    found = _claim_or_404(prison, reference)
    db.session.commit()
    return _claim_page(prison, found)


@bp.route("/<reference>/bank-details", methods=["POST"])
@staff_required(*CASEWORK)
def reveal_bank_details(slug, reference):
    prison = scoped_prison(slug)
    found = _claim_or_404(prison, reference)
    if not ConfirmForm().validate_on_submit() or not found.bank_details:
        db.session.rollback()
        return redirect(url_for(".claim", slug=slug, reference=found.reference))
    cipher = banking.cipher_from_config(current_app.config)
    revealed = casework.reveal_bank_details(current_user, found, cipher, utcnow())
    db.session.commit()
    return _claim_page(prison, found, revealed=revealed)


@bp.route("/<reference>/evidence/<int:evidence_id>")
@staff_required(*CASEWORK)
@talisman(content_security_policy=DOWNLOAD_POLICY)
def download_evidence(slug, reference, evidence_id):
    prison = scoped_prison(slug)
    found = _claim_or_404(prison, reference)
    evidence = casework.evidence_for_download(current_user, found, evidence_id) or abort(404)
    db.session.commit()
    return evidence_download(evidence)


def _decision_page(template, prison, claim, form, status=200, **context):
    return (
        render_template(
            f"assisted_visits/staff/{template}.html",
            prison=prison,
            claim=claim,
            form=form,
            **context,
        ),
        status,
    )


@bp.route("/<reference>/approve", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def approve(slug, reference):
    prison = scoped_prison(slug)
    found = _claim_or_404(prison, reference)
    form = approve_form(found.expenses)
    if form.validate_on_submit():
        amounts = approved_amounts(form, found.expenses)
        try:
            casework.approve(
                current_user,
                found,
                amounts,
                form.reason.data or "",
                utcnow(),
                claims.now_in_london(),
            )
            db.session.commit()
            return _decided(prison, found, _l("Claim approved. We have told the family."))
        except ClaimError as error:
            db.session.rollback()
            _show_claim_error(form, error)
    else:
        db.session.commit()  # the audit row for viewing the claim
    status = 400 if form.errors else 200
    return _decision_page("approve", prison, found, form, status, expenses=found.expenses)


@bp.route("/<reference>/reject", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def reject(slug, reference):
    prison = scoped_prison(slug)
    found = _claim_or_404(prison, reference)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            casework.reject(
                current_user, found, RejectReason(form.reason.data), form.note.data or "", utcnow()
            )
            db.session.commit()
            return _decided(prison, found, _l("Claim not approved. We have told the family."))
        except ClaimError as error:
            db.session.rollback()
            _show_claim_error(form, error)
    else:
        db.session.commit()
    return _decision_page("reject", prison, found, form, 400 if form.errors else 200)


@bp.route("/<reference>/request-information", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def request_information(slug, reference):
    prison = scoped_prison(slug)
    found = _claim_or_404(prison, reference)
    form = RequestInformationForm()
    if form.validate_on_submit():
        try:
            casework.request_information(current_user, found, form.message.data, utcnow())
            db.session.commit()
            return _decided(prison, found, _l("We have asked the family for more information."))
        except ClaimError as error:
            db.session.rollback()
            _show_claim_error(form, error)
    else:
        db.session.commit()
    return _decision_page("request_information", prison, found, form, 400 if form.errors else 200)


# Assisted digital: visitor-centre staff fill in a claim with a family, on the family's pages.


@bp.route("/assist", methods=["GET", "POST"])
@staff_required(*ASSIST)
def assist(slug):
    prison = scoped_prison(slug)
    form = AssistForm()
    if form.validate_on_submit():
        visit = None
        if form.visit_reference.data:
            visit = checkin.visit_at(prison, form.visit_reference.data)
            if visit is None:
                form.visit_reference.errors = [
                    _l("There is no visit with that reference at %(prison)s", prison=prison.name)
                ]
        if not form.errors:
            draft = claims.start_assisted_claim(
                current_user, prison, utcnow(), visit, str(get_locale())
            )
            db.session.commit()
            # This device forgets the family before: each family sees only their own claim.
            browser_session.pop(CLAIMS_KEY, None)
            browser_session.pop(SENT_KEY, None)
            browser_session[DRAFT_KEY] = draft.id
            return redirect(url_for("assisted_visits.claim_visit"))
    return render_template(
        "assisted_visits/staff/assist.html",
        prison=prison,
        form=form,
    ), (400 if form.errors else 200)
