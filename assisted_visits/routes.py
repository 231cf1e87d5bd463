from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app import db, limiter, talisman
from assisted_visits import banking, claims, eligibility
from assisted_visits import evidence as evidence_files
from assisted_visits.claims import ClaimantDetails, ClaimError, PersonDetails
from assisted_visits.eligibility import PRISON_LOCATION_LABELS, AgeBand, Answers, PrisonLocation
from assisted_visits.evidence import EvidenceProblem
from assisted_visits.forms import (
    EXPENSE_FORMS,
    AboutYouForm,
    AddAnotherForm,
    BankForm,
    BenefitForm,
    ChildForm,
    ClaimStartForm,
    ClaimVisitForm,
    ConfirmForm,
    DeclarationForm,
    EarningsForm,
    EscortDetailsForm,
    EscortForm,
    EvidenceDoneForm,
    EvidenceUploadForm,
    ExpenseTypeForm,
    FindClaimForm,
    RelationshipForm,
    ReplyForm,
    SoleVisitorForm,
    earnings_question,
    eligibility_question,
)
from assisted_visits.models import (
    Benefit,
    ChildRelation,
    Claim,
    ClaimEvidence,
    ClaimRelationship,
    ClaimStatus,
    ClaimTiming,
    EvidenceKind,
    ExpenseType,
)
from assisted_visits.national_insurance import format_ni_number
from assisted_visits.rates import pounds, rates_for
from govuk_forms import choices
from timeutil import LONDON, local_today, utcnow
from visits import booking, rules
from visits.booking import PrisonerDetails
from visits.forms import PrisonerForm
from visits.models import Nation, Prison

bp = Blueprint(
    "assisted_visits", __name__, url_prefix="/help-with-costs", template_folder="templates"
)

ELIGIBILITY_KEY = "eligibility"
DRAFT_KEY = "claim_draft"
CLAIMS_KEY = "claims"
SENT_KEY = "claim_sent"
REMEMBERED_CLAIMS = 20
# A multipart body carries a little more than the file itself.
UPLOAD_ENDPOINTS = {"assisted_visits.claim_upload", "assisted_visits.status_upload"}
UPLOAD_OVERHEAD = 256 * 1024


def _lookup_limit():
    return current_app.config["LOOKUP_RATE_LIMIT"]


def _now_local() -> datetime:
    return datetime.now(LONDON).replace(tzinfo=None)


def _evidence_folder() -> Path:
    return evidence_files.folder_for(current_app)


def _cipher():
    return banking.cipher_from_config(current_app.config)


def _show_error(field, message):
    field.errors = [*field.errors, message]


def _show_claim_error(form, error: ClaimError, default_field):
    for message, field_name in zip(error.messages, error.fields, strict=True):
        _show_error(getattr(form, field_name) if field_name else default_field, message)


@bp.url_value_preprocessor
def _limit_upload_size(endpoint, _values):
    # Runs before the CSRF check reads the body, so an oversized upload stops at once.
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = evidence_files.MAX_BYTES + UPLOAD_OVERHEAD


@bp.errorhandler(413)
def file_too_large(_error):
    reference = (request.view_args or {}).get("reference")
    back = url_for(".status", reference=reference) if reference else url_for(".claim_evidence")
    return render_template("assisted_visits/file_too_large.html", back_url=back), 413


@bp.app_template_filter("pounds")
def pounds_filter(pence):
    return pounds(pence or 0)


@bp.app_template_filter("nation_name")
def nation_name_filter(nation):
    return PRISON_LOCATION_LABELS[PrisonLocation(Nation(nation).value)]


@bp.app_template_filter("ni_number")
def ni_number_filter(number):
    return format_ni_number(number)


@bp.route("/")
def start():
    today = local_today()
    return render_template(
        "assisted_visits/start.html",
        england_wales=rates_for(Nation.ENGLAND, today),
        scotland=rates_for(Nation.SCOTLAND, today),
        pounds=pounds,
    )


# The eligibility checker: one question a page, answers kept in the session.

QUESTION_SLUGS = {
    "relationship": "relationship",
    "sole_visitor": "only-visitor",
    "prison": "prison",
    "benefit": "benefit",
    "earnings_within_limit": "earnings",
    "age": "age",
    "lives_in_northern_ireland": "northern-ireland",
}
SLUG_QUESTIONS = {slug: name for name, slug in QUESTION_SLUGS.items()}
ANSWER_TYPES = {
    "relationship": ClaimRelationship,
    "sole_visitor": lambda answer: answer == "no",  # nobody else has visited
    "prison": PrisonLocation,
    "benefit": Benefit,
    "earnings_within_limit": lambda answer: answer == "yes",
    "age": AgeBand,
    "lives_in_northern_ireland": lambda answer: answer == "yes",
}


def _raw_answers() -> dict:
    raw = session.get(ELIGIBILITY_KEY) or {}
    return {name: value for name, value in raw.items() if name in ANSWER_TYPES}


def _answers(raw: dict) -> Answers:
    return Answers(**{name: ANSWER_TYPES[name](value) for name, value in raw.items()})


def _rates_today(nation):
    return rates_for(nation, local_today())


def _asked(answers: Answers) -> list[str]:
    return [name for name, applies in eligibility.QUESTIONS if applies(answers)]


def _question_url(name):
    if name is None:
        return url_for(".check_result")
    return url_for(".check_question", slug=QUESTION_SLUGS[name])


@bp.route("/check")
def check_start():
    session.pop(ELIGIBILITY_KEY, None)
    return redirect(_question_url("relationship"))


@bp.route("/check/<slug>", methods=["GET", "POST"])
def check_question(slug):
    name = SLUG_QUESTIONS.get(slug)
    if name is None:
        abort(404)
    raw = _raw_answers()
    answers = _answers(raw)
    waiting = eligibility.next_question(answers, _rates_today)
    if name != waiting and (name not in raw or name not in _asked(answers)):
        return redirect(_question_url(waiting))
    nation = answers.prison.nation if answers.prison and answers.prison.nation else Nation.ENGLAND
    form = eligibility_question(name, _rates_today(nation), raw.get(name))
    if form.validate_on_submit():
        raw = {**raw, name: form.answer.data}
        session[ELIGIBILITY_KEY] = raw
        return redirect(_question_url(eligibility.next_question(_answers(raw), _rates_today)))
    asked = _asked(answers)
    earlier = asked[: asked.index(name)] if name in asked else []
    back = _question_url(earlier[-1]) if earlier else url_for(".start")
    return render_template("assisted_visits/check_question.html", form=form, back_url=back)


@bp.route("/check/result")
def check_result():
    raw = _raw_answers()
    answers = _answers(raw)
    waiting = eligibility.next_question(answers, _rates_today)
    if waiting is not None:
        return redirect(_question_url(waiting))
    outcome = eligibility.outcome(answers, _rates_today)
    last = [name for name in _asked(answers) if name in raw][-1]
    return render_template(
        "assisted_visits/check_result.html",
        outcome=outcome,
        back_url=_question_url(last),
        helpline=eligibility.HELPLINE,
    )


# Making a claim. The draft lives in the database; the session only knows its id.


def _family_claim_ids() -> list[int]:
    ids = list(session.get(CLAIMS_KEY) or [])
    if (draft_id := session.get(DRAFT_KEY)) is not None:
        ids.append(draft_id)
    return ids


def _remember(claim: Claim) -> None:
    ids = [i for i in session.get(CLAIMS_KEY) or [] if i != claim.id]
    session[CLAIMS_KEY] = [*ids, claim.id][-REMEMBERED_CLAIMS:]


def _draft() -> Claim | None:
    claim_id = session.get(DRAFT_KEY)
    claim = db.session.get(Claim, claim_id) if isinstance(claim_id, int) else None
    return claim if claim is not None and claim.status is ClaimStatus.DRAFT else None


def _has_visit(claim):
    return claim.timing is not None


def _has_claimant(claim):
    return claim.claimant is not None


def _draft_or_redirect(*needs) -> Claim:
    claim = _draft()
    if claim is None:
        abort(redirect(url_for(".claim_start")))
    steps = {_has_visit: ".claim_visit", _has_claimant: ".claim_about_you"}
    for need in needs:
        if not need(claim):
            abort(redirect(url_for(steps[need])))
    return claim


def _page(template, form, claim, **context):
    return render_template(f"assisted_visits/{template}.html", form=form, claim=claim, **context)


@bp.route("/claim/start", methods=["GET", "POST"])
def claim_start():
    token = request.values.get("visit", "")
    visit = booking.visit_by_token(token) if token else None
    if visit is not None and not visit.is_active():
        visit = None  # a cancelled visit fills nothing in
    form = ClaimStartForm()
    if form.validate_on_submit():
        claim = claims.start_claim(utcnow(), visit=visit, language=str(get_locale()))
        db.session.commit()
        session[DRAFT_KEY] = claim.id
        return redirect(url_for(".claim_visit"))
    return render_template(
        "assisted_visits/claim_start.html",
        form=form,
        visit=visit,
        token=token if visit else "",
        draft=_draft(),
        # The claim windows and limits are the same in every nation.
        rates=rates_for(Nation.ENGLAND, local_today()),
    )


@bp.route("/claim/visit", methods=["GET", "POST"])
def claim_visit():
    claim = _draft_or_redirect()
    prisons = db.session.scalars(sa.select(Prison).order_by(Prison.name)).all()
    form = ClaimVisitForm(prison=claim.prison_id, visit_date=claim.visit_date)
    form.prison.choices = choices((p.id, p.name) for p in prisons)
    if form.validate_on_submit():
        prison = db.session.get(Prison, form.prison.data)
        try:
            claims.set_visit(claim, prison, form.visit_date.data, local_today())
            db.session.commit()
            return redirect(url_for(".claim_prisoner"))
        except ClaimError as error:
            db.session.rollback()
            _show_error(form.visit_date, error.message)
    return _page("claim_visit", form, claim, back_url=url_for(".claim_start"))


@bp.route("/claim/prisoner", methods=["GET", "POST"])
def claim_prisoner():
    claim = _draft_or_redirect(_has_visit)
    form = PrisonerForm(
        first_name=claim.prisoner_first_name,
        last_name=claim.prisoner_last_name,
        date_of_birth=claim.prisoner_date_of_birth,
        prison_number=claim.prisoner_number,
    )
    if form.validate_on_submit():
        claims.set_prisoner(
            claim,
            PrisonerDetails(
                form.first_name.data,
                form.last_name.data,
                form.date_of_birth.data,
                form.prison_number.data,
            ),
        )
        db.session.commit()
        return redirect(url_for(".claim_about_you"))
    return _page("claim_prisoner", form, claim, back_url=url_for(".claim_visit"))


@bp.route("/claim/about-you", methods=["GET", "POST"])
def claim_about_you():
    claim = _draft_or_redirect(_has_visit)
    form = AboutYouForm(obj=claim.claimant)
    if request.method == "GET" and claim.claimant is not None:
        form.ni_number.data = format_ni_number(claim.claimant.ni_number)
        if claim.claimant.phone:
            form.phone.data = rules.format_uk_mobile(claim.claimant.phone)
    if form.validate_on_submit():
        details = ClaimantDetails(
            first_name=form.first_name.data,
            last_name=form.last_name.data,
            date_of_birth=form.date_of_birth.data,
            ni_number=form.ni_number.data,
            address_line_1=form.address_line_1.data,
            address_line_2=form.address_line_2.data or "",
            town=form.town.data,
            postcode=form.postcode.data,
            phone=form.phone.data or "",
            email=form.email.data or "",
        )
        try:
            claims.set_claimant(claim, details)
            db.session.commit()
            return redirect(url_for(".claim_relationship"))
        except ClaimError as error:
            db.session.rollback()
            _show_claim_error(form, error, form.date_of_birth)
    return _page("claim_about_you", form, claim, back_url=url_for(".claim_prisoner"))


@bp.route("/claim/relationship", methods=["GET", "POST"])
def claim_relationship():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    relation = claim.claimant.relation
    form = RelationshipForm(relation=relation.value if relation else None)
    if form.validate_on_submit():
        relation = ClaimRelationship(form.relation.data)
        try:
            # A friend or other relation is asked next whether they are the only visitor.
            claims.set_relationship(claim, relation, None)
            db.session.commit()
            if relation is ClaimRelationship.OTHER:
                return redirect(url_for(".claim_only_visitor"))
            return redirect(url_for(".claim_benefit"))
        except ClaimError as error:
            db.session.rollback()
            _show_error(form.relation, error.message)
    return _page("claim_relationship", form, claim, back_url=url_for(".claim_about_you"))


@bp.route("/claim/only-visitor", methods=["GET", "POST"])
def claim_only_visitor():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    claimant = claim.claimant
    if claimant.relation is not ClaimRelationship.OTHER:
        return redirect(url_for(".claim_relationship"))
    form = SoleVisitorForm(anyone_else="no" if claimant.sole_visitor else None)
    if form.validate_on_submit():
        try:
            claims.set_relationship(claim, claimant.relation, form.anyone_else.data == "no")
            db.session.commit()
            return redirect(url_for(".claim_benefit"))
        except ClaimError as error:
            db.session.rollback()
            _show_error(form.anyone_else, error.message)
    return _page("claim_question", form, claim, back_url=url_for(".claim_relationship"))


def _before_benefit(claim):
    if claim.claimant.relation is ClaimRelationship.OTHER:
        return url_for(".claim_only_visitor")
    return url_for(".claim_relationship")


@bp.route("/claim/benefit", methods=["GET", "POST"])
def claim_benefit():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    benefit = claim.claimant.benefit
    form = BenefitForm(benefit=benefit.value if benefit else None)
    if form.validate_on_submit():
        benefit = Benefit(form.benefit.data)
        try:
            # With Universal Credit, the earnings question comes next.
            claims.set_benefit(claim, benefit, None)
            db.session.commit()
            if benefit is Benefit.UNIVERSAL_CREDIT:
                return redirect(url_for(".claim_earnings"))
            return redirect(url_for(".claim_children"))
        except ClaimError as error:
            db.session.rollback()
            _show_error(form.benefit, error.message)
    return _page("claim_benefit", form, claim, back_url=_before_benefit(claim))


@bp.route("/claim/earnings", methods=["GET", "POST"])
def claim_earnings():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    claimant = claim.claimant
    if claimant.benefit is not Benefit.UNIVERSAL_CREDIT:
        return redirect(url_for(".claim_benefit"))
    within = {True: "yes", False: "no", None: None}[claimant.earnings_within_limit]
    form = EarningsForm(within_limit=within)
    form.within_limit.label.text = earnings_question(claims.rates_of(claim))
    if form.validate_on_submit():
        try:
            claims.set_benefit(claim, claimant.benefit, form.within_limit.data == "yes")
            db.session.commit()
            return redirect(url_for(".claim_children"))
        except ClaimError as error:
            db.session.rollback()
            _show_error(form.within_limit, error.message)
    return _page("claim_question", form, claim, back_url=url_for(".claim_benefit"))


def _before_children(claim):
    if claim.claimant.benefit is Benefit.UNIVERSAL_CREDIT:
        return url_for(".claim_earnings")
    return url_for(".claim_benefit")


@bp.route("/claim/children", methods=["GET", "POST"])
def claim_children():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    form = AddAnotherForm()
    if form.validate_on_submit():
        if form.add_another.data == "yes":
            return redirect(url_for(".claim_add_child"))
        return redirect(url_for(".claim_escort"))
    return _page(
        "claim_children",
        form,
        claim,
        back_url=_before_children(claim),
        remove_form=ConfirmForm(),
        rates=claims.rates_of(claim),
    )


@bp.route("/claim/children/add", methods=["GET", "POST"])
def claim_add_child():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    form = ChildForm()
    if form.validate_on_submit():
        child = PersonDetails(form.first_name.data, form.last_name.data, form.date_of_birth.data)
        try:
            claims.add_child(claim, child, ChildRelation(form.relation.data))
            db.session.commit()
            return redirect(url_for(".claim_children"))
        except ClaimError as error:
            db.session.rollback()
            _show_claim_error(form, error, form.relation)
    return _page("claim_add_child", form, claim, back_url=url_for(".claim_children"))


@bp.route("/claim/children/<int:child_id>/remove", methods=["POST"])
def claim_remove_child(child_id):
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    if ConfirmForm().validate_on_submit():
        claims.remove_child(claim, child_id)
        db.session.commit()
    return redirect(url_for(".claim_children"))


@bp.route("/claim/escort", methods=["GET", "POST"])
def claim_escort():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    form = EscortForm(has_escort="yes" if claim.escort else None)
    if form.validate_on_submit():
        if form.has_escort.data == "yes":
            return redirect(url_for(".claim_escort_details"))
        claims.set_escort(claim, None, claim.claimant.medical_condition)
        db.session.commit()
        return redirect(url_for(".claim_costs"))
    return _page(
        "claim_escort",
        form,
        claim,
        back_url=url_for(".claim_children"),
        rates=claims.rates_of(claim),
    )


@bp.route("/claim/escort/details", methods=["GET", "POST"])
def claim_escort_details():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    escort = claim.escort
    form = EscortDetailsForm(
        first_name=escort.first_name if escort else "",
        last_name=escort.last_name if escort else "",
        date_of_birth=escort.date_of_birth if escort else None,
        medical_condition=("yes" if claim.claimant.medical_condition else "no") if escort else None,
    )
    if form.validate_on_submit():
        chosen = PersonDetails(form.first_name.data, form.last_name.data, form.date_of_birth.data)
        try:
            claims.set_escort(claim, chosen, form.medical_condition.data == "yes")
            db.session.commit()
            return redirect(url_for(".claim_costs"))
        except ClaimError as error:
            db.session.rollback()
            _show_error(form.medical_condition, error.message)
    return _page("claim_escort_details", form, claim, back_url=url_for(".claim_escort"))


@bp.route("/claim/costs")
def claim_costs():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    return _page(
        "claim_costs", None, claim, back_url=url_for(".claim_escort"), remove_form=ConfirmForm()
    )


@bp.route("/claim/costs/add", methods=["GET", "POST"])
def claim_add_cost():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    form = ExpenseTypeForm()
    if form.validate_on_submit():
        return redirect(url_for(".claim_cost_details", expense_type=form.type.data))
    return _page(
        "claim_add_cost",
        form,
        claim,
        back_url=url_for(".claim_costs"),
        rates=claims.rates_of(claim),
    )


def _expense_problem_field(form, expense_type: ExpenseType, details: dict):
    if expense_type is ExpenseType.TAXI:
        return form.public_transport if details["public_transport"] else form.walk_minutes
    fields = {
        ExpenseType.ACCOMMODATION: "approved_before",
        ExpenseType.REFRESHMENTS: "hours",
        ExpenseType.TRAIN: "standard_fare",
    }
    return getattr(form, fields.get(expense_type, "cost"), None) or next(iter(form))


@bp.route("/claim/costs/add/<expense_type>", methods=["GET", "POST"])
def claim_cost_details(expense_type):
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    try:
        expense_type = ExpenseType(expense_type)
    except ValueError:
        abort(404)
    form = EXPENSE_FORMS[expense_type]()
    asks_approval = expense_type is ExpenseType.ACCOMMODATION and claim.timing is ClaimTiming.PAST
    if form.validate_on_submit():
        if asks_approval and not form.approved_before.data:
            _show_error(form.approved_before, form.approved_before.message)
        else:
            details = form.details()
            try:
                claims.add_expense(claim, expense_type, details)
                db.session.commit()
                return redirect(url_for(".claim_costs"))
            except ClaimError as error:
                db.session.rollback()
                field = _expense_problem_field(form, expense_type, details)
                _show_error(field, error.message)
    return _page(
        "claim_cost_details",
        form,
        claim,
        back_url=url_for(".claim_add_cost"),
        expense_type=expense_type,
        rates=claims.rates_of(claim),
        asks_approval=asks_approval,
        people=claims.people_paid_for(claim),
    )


@bp.route("/claim/costs/<int:expense_id>/remove", methods=["POST"])
def claim_remove_cost(expense_id):
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    if ConfirmForm().validate_on_submit():
        claims.remove_expense(claim, expense_id)
        db.session.commit()
    return redirect(url_for(".claim_costs"))


def _evidence_page(claim, upload_form=None, done_form=None, status=200):
    now_local = _now_local()
    upload_form = upload_form or EvidenceUploadForm()
    done_form = done_form or EvidenceDoneForm(later=["yes"] if claim.evidence_to_follow else [])
    return (
        _page(
            "claim_evidence",
            # The page's error summary shows the errors of whichever form was sent.
            upload_form if upload_form.errors else done_form,
            claim,
            back_url=url_for(".claim_costs"),
            upload_form=upload_form,
            done_form=done_form,
            required=claims.required_evidence(claim, now_local),
            missing=claims.missing_evidence(claim, now_local),
            booking_is_proof=claims.proof_of_visit(claim.visit),
            remove_form=ConfirmForm(),
        ),
        status,
    )


@bp.route("/claim/evidence", methods=["GET", "POST"])
def claim_evidence():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    form = EvidenceDoneForm()
    if form.validate_on_submit():
        missing = claims.missing_evidence(claim, _now_local())
        later = "yes" in (form.later.data or [])
        if missing and not later:
            _show_error(
                form.later,
                _l("Add the evidence we need, or select that you will send it later"),
            )
            return _evidence_page(claim, done_form=form)
        claims.set_evidence_to_follow(claim, bool(missing) and later)
        db.session.commit()
        return redirect(url_for(".claim_bank"))
    return _evidence_page(claim)


def _read_upload(form) -> tuple[str, bytes]:
    upload = form.file.data
    # One byte over the limit is enough to say the file is too big.
    return upload.filename or "", upload.stream.read(evidence_files.MAX_BYTES + 1)


@bp.route("/claim/evidence/upload", methods=["POST"])
def claim_upload():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    form = EvidenceUploadForm()
    if form.validate_on_submit():
        name, data = _read_upload(form)
        try:
            claims.add_evidence(
                claim,
                EvidenceKind(form.kind.data),
                name,
                data,
                _evidence_folder(),
                "family",
                utcnow(),
            )
            db.session.commit()
            flash(str(_l("Your file has been uploaded.")), "success")
            return redirect(url_for(".claim_evidence"))
        except (EvidenceProblem, ClaimError) as problem:
            db.session.rollback()
            _show_error(form.file, problem.message)
    return _evidence_page(claim, upload_form=form)


@bp.route("/claim/evidence/<int:evidence_id>/remove", methods=["POST"])
def claim_remove_evidence(evidence_id):
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    if ConfirmForm().validate_on_submit():
        stored_name = claims.remove_evidence(claim, evidence_id)
        db.session.commit()
        if stored_name:
            evidence_files.delete(_evidence_folder(), stored_name)
    return redirect(url_for(".claim_evidence"))


@bp.route("/claim/bank", methods=["GET", "POST"])
def claim_bank():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    form = BankForm()
    current = claims.bank_details_of(claim, _cipher()) if claim.bank_details else None
    if form.validate_on_submit():
        details = banking.BankDetails(
            form.account_name.data, form.sort_code.data, form.account_number.data
        )
        claims.set_bank_details(claim, details, _cipher())
        db.session.commit()
        return redirect(url_for(".claim_check"))
    changing = request.method == "POST" or request.args.get("change") or current is None
    return _page(
        "claim_bank",
        form,
        claim,
        back_url=url_for(".claim_evidence"),
        current=None if changing else current,
    )


@bp.route("/claim/check", methods=["GET", "POST"])
def claim_check():
    claim = _draft_or_redirect(_has_visit, _has_claimant)
    form = DeclarationForm()
    if form.validate_on_submit():
        try:
            claims.submit(claim, True, local_today(), utcnow(), _now_local())
            db.session.commit()
        except ClaimError as error:
            db.session.rollback()
            form.form_errors.extend(error.messages)
        else:
            session.pop(DRAFT_KEY, None)
            _remember(claim)
            session[SENT_KEY] = claim.id
            return redirect(url_for(".claim_sent"))
    now_local = _now_local()
    return _page(
        "claim_check",
        form,
        claim,
        back_url=url_for(".claim_bank"),
        incomplete=claims.incomplete_parts(claim),
        bank=claims.bank_details_of(claim, _cipher()) if claim.bank_details else None,
        missing=claims.missing_evidence(claim, now_local),
        people=claims.people_paid_for(claim),
    )


@bp.route("/claim/sent")
def claim_sent():
    claim_id = session.get(SENT_KEY)
    claim = db.session.get(Claim, claim_id) if isinstance(claim_id, int) else None
    if claim is None or claim.id not in _family_claim_ids():
        return redirect(url_for(".start"))
    return render_template("assisted_visits/claim_sent.html", claim=claim)


# After sending: status, replies and evidence, for the family that owns the claim.


@bp.route("/claims/find", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"])
def find():
    form = FindClaimForm()
    if form.validate_on_submit():
        claim = claims.find_claim(form.reference.data, form.date_of_birth.data)
        if claim is not None:
            _remember(claim)
            return redirect(url_for(".status", reference=claim.reference))
        _show_error(
            form.reference,
            _l("We could not find a claim with that reference and date of birth. Check both."),
        )
    return render_template("assisted_visits/find.html", form=form)


def _owned_claim(reference: str) -> Claim:
    """The family's own sent claim; anyone else is sent to prove it is theirs."""
    claim = db.session.scalar(
        sa.select(Claim).where(Claim.reference == rules.normalise_reference(reference))
    )
    if claim is None or claim.status is ClaimStatus.DRAFT or claim.id not in _family_claim_ids():
        abort(redirect(url_for(".find")))
    return claim


def _status_page(claim, upload_form=None, reply_form=None, status=200):
    return (
        render_template(
            "assisted_visits/status.html",
            claim=claim,
            upload_form=upload_form or EvidenceUploadForm(),
            reply_form=reply_form or ReplyForm(),
            form=upload_form if upload_form and upload_form.errors else reply_form,
            request_text=claims.latest_request(claim),
            missing=claims.missing_evidence(claim, _now_local()),
            again_form=ConfirmForm(),
        ),
        status,
    )


@bp.route("/claims/<reference>")
def status(reference):
    return _status_page(_owned_claim(reference))


@bp.route("/claims/<reference>/evidence", methods=["POST"])
def status_upload(reference):
    claim = _owned_claim(reference)
    form = EvidenceUploadForm()
    if form.validate_on_submit():
        name, data = _read_upload(form)
        try:
            claims.add_evidence(
                claim,
                EvidenceKind(form.kind.data),
                name,
                data,
                _evidence_folder(),
                "family",
                utcnow(),
            )
            db.session.commit()
            flash(str(_l("Your file has been uploaded.")), "success")
            return redirect(url_for(".status", reference=claim.reference))
        except (EvidenceProblem, ClaimError) as problem:
            db.session.rollback()
            _show_error(form.file, problem.message)
    return _status_page(claim, upload_form=form)


@bp.route("/claims/<reference>/reply", methods=["POST"])
def status_reply(reference):
    claim = _owned_claim(reference)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            claims.respond(claim, form.message.data or "", utcnow(), _now_local())
            db.session.commit()
            flash(str(_l("Thank you. We have your reply and will check your claim.")), "success")
            return redirect(url_for(".status", reference=claim.reference))
        except ClaimError as error:
            db.session.rollback()
            _show_error(form.message, error.message)
    return _status_page(claim, reply_form=form)


@bp.route("/claims/<reference>/again", methods=["POST"])
def claim_again(reference):
    previous = _owned_claim(reference)
    if ConfirmForm().validate_on_submit():
        claim = claims.start_repeat_claim(previous, utcnow(), language=str(get_locale()))
        db.session.commit()
        session[DRAFT_KEY] = claim.id
        return redirect(url_for(".claim_visit"))
    return redirect(url_for(".status", reference=previous.reference))


# For any view that sends evidence: nothing in a file can run or load anything.
DOWNLOAD_POLICY = {"default-src": "'none'", "sandbox": ""}


def evidence_download(evidence: ClaimEvidence):
    """The file as a download: never shown inline, never cached.

    Decorate the view with @talisman(content_security_policy=DOWNLOAD_POLICY) as well.
    """
    response = send_file(
        evidence_files.path_of(_evidence_folder(), evidence.stored_name),
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name=evidence_files.safe_download_name(
            evidence.original_name, evidence.content_type
        ),
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/claims/<reference>/evidence/<int:evidence_id>")
@talisman(content_security_policy=DOWNLOAD_POLICY)
def download_evidence(reference, evidence_id):
    claim = db.session.scalar(
        sa.select(Claim).where(Claim.reference == rules.normalise_reference(reference))
    )
    evidence = db.session.get(ClaimEvidence, evidence_id)
    if (
        claim is None
        or evidence is None
        or evidence.claim_id != claim.id
        or not claims.can_view_evidence(claim, _family_claim_ids(), staff_prison_ids=())
    ):
        abort(404)
    return evidence_download(evidence)
