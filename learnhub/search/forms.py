"""Staff forms of search: the synonym groups (/search/synonyms).

Forms read what was typed; the rules (how many words, how long, one group per word) are
synonyms.py's, which names the field it refuses.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired

from learnhub.forms import ForgivingIntegerField, Form

from .synonyms import TERMS_FIELD_LENGTH


def _cut(value):
    # A very long paste is cut rather than stored or echoed whole; the rules refuse the rest.
    return value[:TERMS_FIELD_LENGTH] if isinstance(value, str) else value


class SynonymGroupForm(Form):
    """A new group: its words in one line."""

    terms = StringField(
        _l("Words that mean the same to a learner"),
        description=_l("Separate them with spaces or 、, for example: 防骗 反诈 诈骗"),
        filters=[_cut],
    )


class AddSynonymsForm(Form):
    """More words for an existing group."""

    group = ForgivingIntegerField(_l("Group"), validators=[InputRequired()])
    terms = StringField(_l("Words to add"), filters=[_cut])


class SynonymTermForm(Form):
    """A word to take out of its group."""

    term = ForgivingIntegerField(validators=[InputRequired()])


class SynonymGroupChoiceForm(Form):
    """A group to delete."""

    group = ForgivingIntegerField(validators=[InputRequired()])
