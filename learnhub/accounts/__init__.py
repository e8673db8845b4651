"""Accounts: registration, sign-in, passwords, preferences, roles."""

from . import cli, recovery_routes, routes  # noqa: F401  (they register on bp)
from .access import may_use_studio
from .blueprint import bp
from .header import header_visitor
from .mail import mail_enabled
from .masking import mask_login
from .route_rules import enforce_route_rule

# The header links to the studio for those who may use it, on every page.
bp.add_app_template_global(may_use_studio)
bp.add_app_template_global(mail_enabled)
# The header's part that differs between visitors: the key of its kept copies (header.py).
bp.add_app_template_global(header_visitor)
# Staff pages show a person's login with the mobile masked (docs/privacy.md).
bp.add_app_template_global(mask_login)
# Every request passes the rule of its route first (route_rules.py).
bp.before_app_request(enforce_route_rule)

__all__ = ["bp"]
