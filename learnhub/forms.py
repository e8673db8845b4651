"""Form pieces shared by every feature."""

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import ValidationError


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post."""


def normalise_text(value):
    """Fold full-width characters (common with Chinese input methods) and trim."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


class ForgivingIntegerField(IntegerField):
    """A whole number typed any reasonable way: full-width digits, spaces, a trailing 年."""

    def process_formdata(self, valuelist):
        if valuelist:
            text = normalise_text(valuelist[0]).removesuffix("年").strip()
            if not text:
                self.data = None
                return
            if not text.isdigit():
                self.data = None
                raise ValueError(_l("Enter a whole number, for example 1958."))
            self.data = int(text)


class ChoiceField(SelectField):
    """A select whose "not in the list" message is in our own catalogue."""

    def pre_validate(self, form):
        if self.data in (None, ""):
            return  # InputRequired/Optional decide about empty values
        if not any(str(value) == str(self.data) for value, _label, *_ in self.iter_choices()):
            raise ValidationError(_l("Choose one of the options in the list."))
