"""Form pieces shared by every feature: fields, refusals shown on a form, upload limits."""

import re
import secrets
import unicodedata
from collections.abc import Mapping

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, IntegerField, PasswordField, SelectField, TextAreaField
from wtforms.validators import ValidationError

# Characters that show nothing yet change how text reads or compares: zero-width spaces and
# joiners, the byte-order mark, and the bidirectional controls that make "exe.pdf" of
# "fdp.exe" (U+202E) or hide a name's real order.
INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
             "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)  # fmt: skip


def clean_text(value: str, multiline: bool) -> str:
    """Text as a person meant it: without invisible characters, control characters (NUL,
    which PostgreSQL cannot store, escapes, bells) and, unless ``multiline``, line breaks."""
    value = value.translate(INVISIBLE).replace("\r\n", "\n")
    kept = "\n\t" if multiline else ""
    return "".join(ch for ch in value if ch in kept or unicodedata.category(ch) not in ("Cc", "Cs"))


class Form(FlaskForm):
    """The base of every form: what is typed arrives cleaned (clean_text) before any field
    or validator sees it, so a name of only zero-width spaces is as empty as no name."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            formdata = super().wrap_formdata(form, formdata)
            if formdata is None:
                return None
            cleaned = MultiDict()
            for key, value in formdata.items(multi=True):
                field = form._fields.get(key)
                if isinstance(value, str) and not isinstance(field, PasswordField):
                    value = clean_text(value, multiline=isinstance(field, TextAreaField))
                cleaned.add(key, value)
            return cleaned


class EmptyForm(Form):
    """A form with only the CSRF token, for buttons that post."""


def normalise_text(value):
    """Fold full-width characters (common with Chinese input methods) and trim."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


# A whole number typed in a form has at most this many digits: more is a typing mistake, and
# a 400-digit one cannot even be compared with a float (found by tests/test_fuzz_forms.py).
MAX_DIGITS = 9


class ForgivingIntegerField(IntegerField):
    """A whole number typed any reasonable way: full-width digits, spaces, a trailing 年."""

    def process_formdata(self, valuelist):
        if valuelist:
            text = normalise_text(valuelist[0]).removesuffix("年").strip()
            if not text:
                self.data = None
                return
            if not text.isdigit() or len(text) > MAX_DIGITS:
                self.data = None
                raise ValueError(_l("Enter a whole number, for example 1958."))
            self.data = int(text)


class ChoiceField(SelectField):
    """A select whose "not in the list" message is in our own catalogue.

    The value is trimmed: a value of spaces is no choice (``Optional`` would otherwise stop
    the checks and let it through, found by tests/test_fuzz_forms.py)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.strip()

    def pre_validate(self, form):
        if self.data in (None, ""):
            return  # InputRequired/Optional decide about empty values
        if not any(str(value) == str(self.data) for value, _label, *_ in self.iter_choices()):
            raise ValidationError(_l("Choose one of the options in the list."))


# ---- the one-time token of a form that adds something ------------------------------------

_FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # what new_form_token() makes


def new_form_token() -> str:
    """A fresh one-time token for a form that adds something (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


class FormTokenField(HiddenField):
    """The form's one-time token: made when the form is shown, sent back with it."""

    def __init__(self, **kwargs):
        super().__init__(default=new_form_token, **kwargs)

    def process_formdata(self, valuelist):
        # Only a token we could have made counts; tokens are matched per person, so a
        # made-up one only ever meets that person's own posts.
        self.data = valuelist[0] if valuelist and _FORM_TOKEN.fullmatch(valuelist[0]) else None

    def pre_validate(self, form):
        # Without one, a second post could not be told from a first: refuse it, as the
        # quiz does, rather than guess.
        if self.data is None:
            raise ValidationError(
                _l("This form is out of date. Open the page again and fill it in there.")
            )


# ---- refusals shown on a form ------------------------------------------------------------


def show_problems(form, problems: Mapping[str | None, object]) -> None:
    """Put each refusal next to its field, or above the form when it names none.

    ``problems`` maps a field name (or None) to a message. The template shows
    ``form.general_problems`` above the fields (macro ``form_errors_summary``).
    """
    general = list(getattr(form, "general_problems", []))
    for field, message in problems.items():
        if field and field in form and field != "csrf_token":
            form[field].errors = [*form[field].errors, str(message)]
        else:
            general.append(str(message))
    form.general_problems = general


def form_status(form) -> int:
    """400 for a form sent back with problems (as for every failed form post), else 200."""
    return 400 if form.errors or getattr(form, "general_problems", None) else 200


# ---- uploads -----------------------------------------------------------------------------

UPLOAD_FORM_ALLOWANCE = 1024 * 1024  # the other fields and the multipart framing


def allow_upload_of(largest_file_bytes: int) -> None:
    """Let this request's body be as large as a form carrying such a file.

    Call it from a blueprint's ``url_value_preprocessor``: those run before every
    ``before_request`` function, so the limit is raised before CSRFProtect reads the form.
    The site-wide ``MAX_CONTENT_LENGTH`` stays the limit of every other request.
    """
    largest = largest_file_bytes + UPLOAD_FORM_ALLOWANCE
    request.max_content_length = max(largest, current_app.config["MAX_CONTENT_LENGTH"] or 0)
