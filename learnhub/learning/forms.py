"""Learning forms."""

from flask_wtf import FlaskForm
from wtforms import HiddenField


class QuizForm(FlaskForm):
    """Answers arrive as q<question id> fields. ``form_token`` is the attempt the server
    issued when it showed the quiz (never one the browser makes up)."""

    form_token = HiddenField()
