"""Learning forms."""

from wtforms import HiddenField

from learnhub.forms import Form


class QuizForm(Form):
    """Answers arrive as q<question id> fields. ``form_token`` is the attempt the server
    issued when it showed the quiz (never one the browser makes up)."""

    form_token = HiddenField()
