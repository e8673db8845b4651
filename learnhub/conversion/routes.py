"""Conversion pages for learners (/me/conversions) and staff (/staff/conversion)."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from learnhub import audit
from learnhub.accounts.access import CENTRE_ROLES, ensure_may_act_for_holder, role_required
from learnhub.accounts.masking import mask_name
from learnhub.accounts.models import Role
from learnhub.audit import AuditAction
from learnhub.catalogue.models import Module
from learnhub.clock import local_today
from learnhub.creditbank import services as credits
from learnhub.creditbank.amounts import format_credits
from learnhub.creditbank.current import my_credit_account
from learnhub.creditbank.services import CreditError
from learnhub.creditbank.staff_pages import record_credit_action
from learnhub.extensions import db
from learnhub.forms import EmptyForm
from learnhub.regions.services import get_region

from .blueprint import bp
from .forms import EndRuleForm, NewRuleForm, RejectForm, RuleForm
from .models import (
    APPLICATION_STATUS_LABELS,
    ApplicationStatus,
    ConversionApplication,
    ConversionRule,
)
from .services import applications, rule_versions

ANY_MODULE = ""


def _helpers() -> dict:
    return {
        "format_credits": format_credits,
        "status_labels": APPLICATION_STATUS_LABELS,
        "Status": ApplicationStatus,
        "format_code": credits.format_certificate_code,
        "format_account": credits.format_account_number,
        "mask_name": mask_name,
        "region_name": lambda code: get_region(code).display_name if get_region(code) else code,
    }


def _refused(error: CreditError) -> None:
    """Undo whatever the refused service began, and tell the user why."""
    db.session.rollback()
    flash(str(error))


# ---- learners -------------------------------------------------------------------------


@bp.get("/me/conversions")
@login_required
def mine():
    """Rules I can use today with my progress towards each, and my applications."""
    account = my_credit_account()
    offers = []
    for rule in rule_versions.rules_in_effect(local_today()):
        have = applications.credits_for(account, rule)
        existing = applications.open_application(account, rule)
        offers.append((rule, have, existing))
    return render_template(
        "conversion/mine.html", account=account, offers=offers,
        applications=applications.applications_of(account),
        available=applications.available_credits(account), withdraw_form=EmptyForm(), **_helpers(),
    )  # fmt: skip


@bp.route("/me/conversions/rules/<int:rule_id>", methods=["GET", "POST"])
@login_required
def confirm(rule_id: int):
    """Step 2: the learner sees exactly what will be frozen, then confirms."""
    rule = db.get_or_404(ConversionRule, rule_id)
    account = my_credit_account()
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            applications.apply(current_user, rule)
        except CreditError as error:
            _refused(error)
        else:
            db.session.commit()
            flash(
                _(
                    "Your application for %(title)s is submitted; %(credits)s credits are "
                    "frozen until it is decided.",
                    title=rule.certificate_title,
                    credits=format_credits(rule.credits_required),
                )
            )
        return redirect(url_for("conversion.mine"))
    if not rule.applies_on(local_today()):
        flash(_("This rule has changed or is no longer in effect. Look at the rules again."))
        return redirect(url_for("conversion.mine"))
    have = applications.credits_for(account, rule)
    available = applications.available_credits(account)
    return render_template(
        "conversion/confirm.html", rule=rule, form=form, have=have, available=available,
        account=account, existing=applications.open_application(account, rule), **_helpers(),
    )  # fmt: skip


@bp.post("/me/conversions/<int:application_id>/withdraw")
@login_required
def withdraw(application_id: int):
    application = db.get_or_404(ConversionApplication, application_id)
    if EmptyForm().validate_on_submit():
        try:
            applications.withdraw(current_user, application)
        except CreditError as error:
            _refused(error)
        else:
            db.session.commit()
            flash(_("Your application is withdrawn; the credits are available again."))
    return redirect(url_for("conversion.mine"))


# ---- staff: deciding ------------------------------------------------------------------

REVIEWERS = tuple(CENTRE_ROLES)


@bp.get("/staff/conversion")
@role_required(*REVIEWERS)
def review():
    """Pending applications of the cities the staff member acts for."""
    return render_template(
        "conversion/review.html", applications=applications.pending_for(current_user),
        decided=applications.recently_decided(current_user), **_helpers(),
    )  # fmt: skip


def _application_for_staff(application_id: int) -> ConversionApplication:
    application = db.get_or_404(ConversionApplication, application_id)
    ensure_may_act_for_holder(current_user, application.city_code, application.account.user)
    return application


def _render_application(application, reject_form, status=200):
    account = application.account
    module_have = (
        applications.module_credits(account, application.rule.module_id)
        if application.rule.module_id is not None
        else None
    )
    return render_template(
        "conversion/application.html", application=application, account=account,
        balance=credits.balance_of(account), held=credits.held_amount(account),
        module_have=module_have, approve_form=EmptyForm(), reject_form=reject_form,
        **_helpers(),
    ), status  # fmt: skip


def _record_decision(application: ConversionApplication, reason: str = "") -> None:
    record_credit_action(
        AuditAction.CONVERSION_DECIDED, application.account,
        {"application": application.id, "status": str(application.status)}, reason=reason,
    )  # fmt: skip


@bp.get("/staff/conversion/<int:application_id>")
@role_required(*REVIEWERS)
def application(application_id: int):
    return _render_application(_application_for_staff(application_id), RejectForm())


@bp.post("/staff/conversion/<int:application_id>/approve")
@role_required(*REVIEWERS)
def approve(application_id: int):
    application = _application_for_staff(application_id)
    if EmptyForm().validate_on_submit():
        try:
            applications.approve(current_user, application)
        except CreditError as error:
            _refused(error)
            return redirect(url_for("conversion.application", application_id=application_id))
        _record_decision(application)
        db.session.commit()
        flash(
            _("Approved: certificate %(code)s is issued.",
              code=credits.format_certificate_code(application.certificate.code))
        )  # fmt: skip
    return redirect(url_for("conversion.review"))


@bp.post("/staff/conversion/<int:application_id>/reject")
@role_required(*REVIEWERS)
def reject(application_id: int):
    application = _application_for_staff(application_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _render_application(application, form, 400)
    try:
        applications.reject(current_user, application, form.reason.data)
    except CreditError as error:
        _refused(error)
        return redirect(url_for("conversion.application", application_id=application_id))
    _record_decision(application, form.reason.data)
    db.session.commit()
    flash(_("Rejected; the learner's credits are available again."))
    return redirect(url_for("conversion.review"))


# ---- staff: rules (province) ----------------------------------------------------------


def _module_choices() -> list[tuple[str, str]]:
    modules = db.session.scalars(select(Module).order_by(Module.position))
    return [(ANY_MODULE, str(_l("Any credits")))] + [(str(m.id), m.name) for m in modules]


def _chosen_module(form: RuleForm) -> Module | None:
    return db.session.get(Module, int(form.module.data)) if form.module.data else None


def _apply_error(form, error: CreditError) -> None:
    """Show a service refusal next to its field (or above the form)."""
    db.session.rollback()
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, str(error)]
    else:
        flash(str(error))


@bp.get("/staff/conversion/rules")
@role_required(Role.PROVINCE_STAFF)
def rules():
    today = local_today()
    return render_template(
        "conversion/rules.html", rules=rule_versions.all_rules(), today=today, **_helpers()
    )


@bp.route("/staff/conversion/rules/new", methods=["GET", "POST"])
@role_required(Role.PROVINCE_STAFF)
def new_rule():
    form = NewRuleForm()
    form.module.choices = _module_choices()
    if form.validate_on_submit():
        try:
            rule = rule_versions.create_rule(
                current_user, form.rule_key.data, form.title.data, form.certificate_title.data,
                form.credits_required.data, _chosen_module(form), form.starts.data,
                form.last_day.data,
            )  # fmt: skip
        except CreditError as error:
            _apply_error(form, error)
        else:
            _record_rule(rule.rule_key, {"created": rule.version, "title": rule.title})
            db.session.commit()
            flash(_("Rule %(title)s is saved.", title=rule.title))
            return redirect(url_for("conversion.rule", rule_key=rule.rule_key))
    elif form.starts.data is None and not form.is_submitted():
        form.starts.data = local_today()
    status = 400 if form.errors else 200
    return render_template("conversion/rule_form.html", form=form, rule=None), status


def _record_rule(rule_key: str, details: dict) -> None:
    audit.record(AuditAction.CONVERSION_RULE_CHANGED, actor=current_user,
                 details={"rule": rule_key, **details})  # fmt: skip


def _latest_or_404(rule_key: str) -> ConversionRule:
    latest = rule_versions.latest_version(rule_key)
    if latest is None:
        abort(404)
    return latest


@bp.get("/staff/conversion/rules/<rule_key>")
@role_required(Role.PROVINCE_STAFF)
def rule(rule_key: str):
    latest = _latest_or_404(rule_key)
    return _render_rule(latest, EndRuleForm())


def _render_rule(latest, end_form, status=200):
    used = dict(
        db.session.execute(
            select(ConversionApplication.rule_id, func.count())
            .join(ConversionRule)
            .where(ConversionRule.rule_key == latest.rule_key)
            .group_by(ConversionApplication.rule_id)
        ).all()
    )
    return render_template(
        "conversion/rule.html", latest=latest, versions=rule_versions.versions_of(latest.rule_key),
        used=used, end_form=end_form, today=local_today(), **_helpers(),
    ), status  # fmt: skip


@bp.route("/staff/conversion/rules/<rule_key>/version", methods=["GET", "POST"])
@role_required(Role.PROVINCE_STAFF)
def new_version(rule_key: str):
    latest = _latest_or_404(rule_key)
    form = RuleForm()
    form.module.choices = _module_choices()
    if form.validate_on_submit():
        try:
            rule = rule_versions.new_version(
                current_user, rule_key, form.title.data, form.certificate_title.data,
                form.credits_required.data, _chosen_module(form), form.starts.data,
                form.last_day.data,
            )  # fmt: skip
        except CreditError as error:
            _apply_error(form, error)
        else:
            _record_rule(rule_key, {"version": rule.version, "title": rule.title})
            db.session.commit()
            flash(_("Version %(version)d of the rule is saved.", version=rule.version))
            return redirect(url_for("conversion.rule", rule_key=rule_key))
    elif not form.is_submitted():
        form.title.data = latest.title
        form.certificate_title.data = latest.certificate_title
        form.credits_required.data = f"{latest.credits_required:.2f}"
        form.module.data = str(latest.module_id) if latest.module_id else ANY_MODULE
        today = local_today()
        form.starts.data = max(today + timedelta(days=1), latest.effective_from)
    status = 400 if form.errors else 200
    return render_template("conversion/rule_form.html", form=form, rule=latest), status


@bp.post("/staff/conversion/rules/<rule_key>/end")
@role_required(Role.PROVINCE_STAFF)
def end_rule(rule_key: str):
    latest = _latest_or_404(rule_key)
    form = EndRuleForm()
    if form.validate_on_submit():
        try:
            rule_versions.end_rule(current_user, rule_key, form.last_day.data)
        except CreditError as error:
            _apply_error(form, error)
        else:
            _record_rule(rule_key, {"last_day": form.last_day.data.isoformat()})
            db.session.commit()
            flash(_("The rule ends after %(date)s.", date=format_date(form.last_day.data)))
            return redirect(url_for("conversion.rule", rule_key=rule_key))
        latest = _latest_or_404(rule_key)
    return _render_rule(latest, form, 400)
