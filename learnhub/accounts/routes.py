"""Account pages: register, sign in and out, my account, password, preferences."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from learnhub.clients import client_address, network_of, pseudonym
from learnhub.extensions import db, login_manager
from learnhub.forms import EmptyForm
from learnhub.i18n import LOCALE_COOKIE
from learnhub.regions.services import districts_by_city
from learnhub.ui import (
    ELDER_MODE_COOKIE,
    TEXT_SIZE_COOKIE,
    TEXT_SIZES,
    elder_mode_requested,
    safe_next_url,
)

from . import limits, services, sessions
from .blueprint import bp
from .forms import LoginForm, PasswordChangeForm, ProfileForm, RegistrationForm
from .models import ROLE_LABELS, EndReason, Role


@bp.app_template_global()
def role_label(role: Role) -> str:
    return str(ROLE_LABELS[role])


@login_manager.user_loader
def load_user(token: str):
    return sessions.user_for_token(token)


def _sign_in(user, remember: bool = False) -> None:
    """Start a device session for this browser and commit it (with whatever the caller did)."""
    sessions.start_session(user, remember, request.headers.get("User-Agent", ""))
    db.session.commit()
    session.clear()  # a new session: nothing of the one before (its CSRF token) carries over
    login_user(user, remember=remember)


def _fill_region_choices(form) -> None:
    tree = districts_by_city(current_app.config["HOME_PROVINCE"])
    form.city.choices = [("", _("Choose…"))] + [(c.code, c.display_name) for c in tree]
    form.district.choices = [("", _("Choose…"))] + [
        (d.code, d.display_name) for districts in tree.values() for d in districts
    ]
    # The template groups districts under their city; the script narrows the list.
    form.district_groups = [(city, districts) for city, districts in tree.items()]


def _refused(form, error: services.AccountError) -> None:
    """Undo what the refused service began and show the refusal at its field."""
    db.session.rollback()
    if "city" in form:
        _fill_region_choices(form)
    getattr(form, error.field).errors.append(error.message)


@bp.route("/register", methods=["GET", "POST"])
@limits.registration_posts_per_address
@limits.accounts_created_per_address
@limits.accounts_created_per_network
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    _fill_region_choices(form)
    if form.validate_on_submit():
        address = client_address()
        try:
            user = services.register(
                login_text=form.login.data,
                password=form.password.data,
                display_name=form.display_name.data,
                city_code=form.city.data,
                district_code=form.district.data or None,
                birth_year=form.birth_year.data,
                locale=request.cookies.get(LOCALE_COOKIE) or None,
                elder_mode=elder_mode_requested(),
                address_key=pseudonym(address, "registrations"),
                network_key=pseudonym(network_of(address), "registrations"),
                notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
            )
        except services.AccountError as error:
            _refused(form, error)
        else:
            _sign_in(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name))
            return redirect(url_for("accounts.account"))
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limits.sign_in_per_network
@limits.sign_in_per_address
@limits.sign_in_failures_per_account
def login():
    if current_user.is_authenticated:
        return redirect(safe_next_url(url_for("main.home")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is None:
            db.session.rollback()
            form.password.errors.append(
                _("The mobile number, username or password is not correct.")
            )
        else:
            _sign_in(user, remember=form.remember.data)
            flash(_("You are signed in."))
            return redirect(safe_next_url(url_for("accounts.account")))
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout():
    if EmptyForm().validate_on_submit():
        if current_user.is_authenticated and current_user.device_session is not None:
            sessions.end_session(current_user.device_session, EndReason.SIGNED_OUT)
            db.session.commit()
        logout_user()
        flash(_("You are signed out."))
    return redirect(url_for("main.home"))


@bp.post("/me/devices/<int:session_id>/end")
@login_required
def end_device(session_id: int):
    """Sign out one of the person's other devices (a lost phone, a library computer)."""
    device = sessions.own_session(current_user, session_id) or abort(404)
    if EmptyForm().validate_on_submit():
        sessions.end_session(device, EndReason.ENDED_BY_OWNER)
        db.session.commit()
        flash(_("That device is signed out."))
    return redirect(url_for("accounts.account", _anchor="devices"))


@bp.post("/me/devices/end-all")
@login_required
def end_all_devices():
    """Sign out everywhere, this device included."""
    if EmptyForm().validate_on_submit():
        sessions.end_sessions(current_user, EndReason.ENDED_BY_OWNER)
        db.session.commit()
        logout_user()
        flash(_("You are signed out on every device."))
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.account", _anchor="devices"))


@bp.route("/me/account", methods=["GET", "POST"])
@login_required
def account():
    # Not obj=current_user: its `city` and `district` are Region objects, not the codes
    # the selects hold, and WTForms prefers obj attributes over keyword data.
    form = ProfileForm(
        display_name=current_user.display_name,
        birth_year=current_user.birth_year,
        city=current_user.city_code,
        district=current_user.district_code,
    )
    _fill_region_choices(form)
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                display_name=form.display_name.data,
                city_code=form.city.data,
                district_code=form.district.data or None,
                birth_year=form.birth_year.data,
            )
        except services.AccountError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Your details are saved."))
            return redirect(url_for("accounts.account"))
    devices = sessions.open_sessions(current_user)
    page = render_template("accounts/account.html", form=form, devices=devices)
    return page, 400 if form.errors else 200


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except services.AccountError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Your password is changed. Other devices have been signed out."))
            return redirect(url_for("accounts.account"))
    return render_template("accounts/password.html", form=form), 400 if form.errors else 200


@bp.post("/preferences/language")
def set_language():
    """Switch the page language: saved on the account, and in a cookie for visitors."""
    locale = request.form.get("locale", "")
    response = redirect(safe_next_url(url_for("main.home")))
    if EmptyForm().validate_on_submit() and locale in current_app.config["LANGUAGES"]:
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
        response.set_cookie(LOCALE_COOKIE, locale, **_preference_cookie_options())
    return response


@bp.post("/preferences/elder-mode")
def set_elder_mode():
    """Turn elder mode on or off, for the account and in a cookie for visitors."""
    enabled = request.form.get("elder_mode") == "on"
    response = redirect(safe_next_url(url_for("main.home")))
    if EmptyForm().validate_on_submit():
        if current_user.is_authenticated:
            current_user.elder_mode = enabled
            db.session.commit()
        response.set_cookie(
            ELDER_MODE_COOKIE, "on" if enabled else "off", **_preference_cookie_options()
        )
    return response


@bp.post("/preferences/text-size")
def set_text_size():
    """Make the text larger (A+) or standard (A−) on this device: a cookie, for everyone."""
    size = request.form.get("text_size", "")
    response = redirect(safe_next_url(url_for("main.home")))
    if EmptyForm().validate_on_submit() and size in TEXT_SIZES:
        response.set_cookie(TEXT_SIZE_COOKIE, size, **_preference_cookie_options())
    return response


def _preference_cookie_options() -> dict:
    config = current_app.config
    return {
        "max_age": config["PREFERENCE_COOKIE_MAX_AGE"],
        "httponly": True,
        "samesite": "Lax",
        "secure": config["SESSION_COOKIE_SECURE"],
    }
