"""Learning forms."""

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField


class QuizForm(FlaskForm):
    """Answers arrive as q<question id> fields; the token makes a resubmit harmless."""

    form_token = HiddenField(default=lambda: secrets.token_urlsafe(24))
