"""The filter form of course listings (GET, so no CSRF: it changes nothing)."""

from flask_babel import lazy_gettext as _l
from wtforms import Form

from learnhub.forms import ChoiceField

from .models import AUDIENCE_LABELS, LEVEL_LABELS


class CourseFilterForm(Form):
    level = ChoiceField(_l("Level"))
    audience = ChoiceField(_l("For"))
    region = ChoiceField(_l("Offered by"))
    sort = ChoiceField(_l("Sort by"))

    def __init__(self, formdata, regions, **kwargs):
        super().__init__(formdata, **kwargs)
        any_choice = ("", _l("Any"))
        self.level.choices = [any_choice] + [(k.value, v) for k, v in LEVEL_LABELS.items()]
        self.audience.choices = [any_choice] + [(k.value, v) for k, v in AUDIENCE_LABELS.items()]
        self.region.choices = [any_choice] + [(r.code, r.display_name) for r in regions]
        self.sort.choices = [("new", _l("Newest first")), ("popular", _l("Most popular"))]
