"""The refusal every learning rule raises."""

from __future__ import annotations


class LearningError(ValueError):
    """A learning rule refused the action; ``message`` is for the learner."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message
