"""Account recovery pages: /reset with a centre's code, /forgot and its e-mail links, the
person's e-mail address, and "choose your own password first" after an account was opened
for someone."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from learnhub.audit import AuditAction, record
from learnhub.extensions import db
from learnhub.forms import EmptyForm
from learnhub.ui import site_url_for

from . import email_links, limits, recovery
from .blueprint import bp
from .mail import mail_enabled, send_mail
from .models import User
from .recovery_forms import EmailForm, NewPasswordForm, ResetCodeForm
from .services import AccountError

# What a person who must choose a new password can still open: that page, signing out,
# and the preferences (language, elder mode, text size) the page itself offers.
OPEN_WHILE_CHANGING = frozenset(
    {"accounts.password", "accounts.logout", "accounts.set_language",
     "accounts.set_elder_mode", "accounts.set_text_size", "static"}
)  # fmt: skip


@bp.before_app_request
def choose_own_password_first():
    """An account opened for someone (or whose password someone else set) goes to the
    password page until the person has chosen their own."""
    endpoint = request.endpoint or ""
    if endpoint in OPEN_WHILE_CHANGING or endpoint.endswith(".static"):
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("accounts.password"))
    return None


def _refused_code(user: User | None, locked: bool) -> None:
    """Record a refused reset on its own (what was begun is rolled back first)."""
    db.session.rollback()
    now_locked = user is not None and not locked and recovery.count_wrong_code(user)
    reason = "locked" if locked else ("wrong code, now locked" if now_locked else "wrong code")
    record(AuditAction.RESET_CODE_REFUSED, subject=user, reason=reason, refused=True)
    db.session.commit()
    if now_locked:
        raise recovery.ResetLocked(user.reset_locked_until)


@bp.route("/reset", methods=["GET", "POST"])
@limits.recovery_per_network
@limits.recovery_per_address
def reset():
    """Set a new password with the code a centre gave: login, code, new password."""
    form = ResetCodeForm()
    if form.validate_on_submit():
        user = recovery.user_for_reset(form.login.data)
        try:
            recovery.check_new_password(user, form.login.data, form.new_password.data)
            try:
                recovery.reset_with_code(user, form.code.data, form.new_password.data)
            except recovery.ResetLocked:
                _refused_code(user, locked=True)
                raise
            except AccountError:
                _refused_code(user, locked=False)
                raise
        except AccountError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            record(AuditAction.RESET_CODE_USED, actor=user, subject=user)
            db.session.commit()
            flash(_("Your new password is set, and every device was signed out. "
                    "Sign in with your new password now."))  # fmt: skip
            return redirect(url_for("accounts.login"))
    page = render_template("accounts/reset.html", form=form, mail=mail_enabled())
    return page, 400 if form.errors else 200


def _mail_link(user: User, subject, template: str, **values) -> tuple[str, str, str]:
    """(to, subject, body) of a message to the person, in their language."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return user.email, str(subject), render_template(template, user=user, **values)


@bp.route("/forgot", methods=["GET", "POST"])
@limits.recovery_per_network
@limits.recovery_per_address
def forgot():
    """Send a link to a confirmed address; the answer never says whether one was known."""
    form = EmailForm()
    sent = False
    if mail_enabled() and form.validate_on_submit():
        messages = [
            _mail_link(user, _l("Set a new password"), "accounts/mail/reset.txt",
                       url=site_url_for("accounts.reset_by_email", token=token))
            for user, token in email_links.reset_links_for(form.email.data)
        ]  # fmt: skip
        db.session.commit()
        for message in messages:
            send_mail(*message)
        sent = True
    page = render_template("accounts/forgot.html", form=form, mail=mail_enabled(), sent=sent)
    return page, 400 if form.errors else 200


@bp.route("/reset/email/<token>", methods=["GET", "POST"])
@limits.recovery_per_network
@limits.recovery_per_address
def reset_by_email(token: str):
    """The page a "forgot password" link opens: choose a new password, once."""
    link = email_links.reset_link(token)
    if link is None:
        return render_template("accounts/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = link.user
        try:
            recovery.check_new_password(user, user.login_name, form.new_password.data)
        except AccountError as error:
            form.new_password.errors.append(error.message)
        else:
            if not email_links.reset_with_link(link, form.new_password.data):
                db.session.rollback()
                return render_template("accounts/link_invalid.html"), 404
            record(AuditAction.RESET_BY_EMAIL, actor=user, subject=user)
            db.session.commit()
            flash(_("Your new password is set, and every device was signed out. "
                    "Sign in with your new password now."))  # fmt: skip
            return redirect(url_for("accounts.login"))
    page = render_template("accounts/reset_email.html", form=form, user=link.user)
    return page, 400 if form.errors else 200


@bp.route("/me/email", methods=["GET", "POST"])
@login_required
def email():
    """The person's address for "forgot password" links: add or change it (a confirmation
    link goes to it), or remove it."""
    if not mail_enabled():
        abort(404)
    form = EmailForm()
    if form.validate_on_submit():
        address = email_links.normalise_email(form.email.data)
        if address is None:
            form.email.errors.append(_("Enter an e-mail address such as name@example.com."))
        else:
            token = email_links.set_address(current_user, address)
            message = _mail_link(
                current_user,
                _l("Confirm your e-mail address"),
                "accounts/mail/confirm.txt",
                url=site_url_for("accounts.confirm_email", token=token),
            )
            db.session.commit()
            send_mail(*message)
            flash(_("We sent a link to %(email)s. Open it to confirm the address.",
                    email=address))  # fmt: skip
            return redirect(url_for("accounts.email"))
    page = render_template("accounts/email.html", form=form, remove_form=EmptyForm())
    return page, 400 if form.errors else 200


@bp.post("/me/email/remove")
@login_required
def remove_email():
    if EmptyForm().validate_on_submit():
        email_links.remove_address(current_user)
        db.session.commit()
        flash(_("Your e-mail address is removed."))
    return redirect(url_for("accounts.account"))


@bp.route("/me/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """A confirmation link: a button confirms (a mail scanner's visit confirms nothing)."""
    form = EmptyForm()
    if form.validate_on_submit():
        if email_links.confirm_address(token) is None:
            db.session.rollback()
            return render_template("accounts/link_invalid.html"), 404
        db.session.commit()
        flash(_("Your e-mail address is confirmed. You can now use “Forgot your password?”."))
        return redirect(url_for("main.home"))
    return render_template("accounts/confirm_email.html", form=form)
