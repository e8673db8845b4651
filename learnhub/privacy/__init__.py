"""Personal information under PIPL (个人信息保护法): the privacy notice and consent, a
person's own data (/me/data), closing an account, retention, and minimum exposure to staff.
See docs/privacy.md."""

from learnhub.accounts.services import user_registered

from . import routes, staff_routes  # noqa: F401  (they register on bp)
from .blueprint import bp
from .services.consent import record_registration_consent
from .services.files import listen


@bp.record_once
def _connect(_state) -> None:
    user_registered.connect(record_registration_consent)
    listen()


__all__ = ["bp"]
