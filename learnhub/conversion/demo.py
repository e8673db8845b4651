"""Demo conversion rules and applications, made through the services (repeatable)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.catalogue.services import module_by_slug
from learnhub.clock import local_today
from learnhub.creditbank import services as credits
from learnhub.extensions import db

from .models import ApplicationStatus
from .services import applications, rule_versions

# (rule key, title, certificate title, credits, module slug or None)
DEMO_RULES = [
    ("party-history-2026", "百年党史学堂专题结业证书兑换", "百年党史学堂专题结业证书",
     Decimal("1.00"), "party-history"),
    ("community-education", "社区教育结业证书兑换", "社区教育结业证书", Decimal("2.00"), None),
    ("elder-digital-2026", "老年人智能技术应用结业证书兑换", "老年人智能技术应用结业证书",
     Decimal("1.00"), "elder-digital"),
]  # fmt: skip


def load_demo_conversions(progress) -> None:
    """Three rules; an approved conversion for `learner`, a pending one for `dalian_learner`."""
    named = {
        user.username: user
        for user in db.session.scalars(
            select(User).where(
                User.username.in_(("learner", "dalian_learner", "shenyang_staff", "province_admin"))
            )
        )
    }
    admin = named.get("province_admin")
    if admin is None:
        return
    rules = {}
    for key, title, certificate, amount, slug in progress(DEMO_RULES):
        rule = rule_versions.latest_version(key)
        if rule is None:
            module = module_by_slug(slug) if slug else None
            rule = rule_versions.create_rule(
                admin, key, title, certificate, amount, module, local_today()
            )
        rules[key] = rule
    approver = named.get("shenyang_staff")
    _demo_application(named.get("learner"), rules["party-history-2026"], approver)
    _demo_application(named.get("dalian_learner"), rules["community-education"], None)
    db.session.flush()


def _demo_application(user: User | None, rule, approver: User | None) -> None:
    """Apply once (if the learner has the credits); approve when an approver is given."""
    if user is None or not rule.applies_on(local_today()):
        return
    account = credits.open_account(user)
    application = applications.open_application(account, rule)
    if application is None:
        if applications.credits_for(account, rule) < rule.credits_required:
            return  # demo courses not loaded: nothing to convert
        application = applications.apply(user, rule)
    if approver is not None and application.status is ApplicationStatus.SUBMITTED:
        applications.approve(approver, application)
