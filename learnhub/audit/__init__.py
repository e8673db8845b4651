"""The audit log: who did what, to whom, where, when and why — one table, one helper.

Every staff action that changes people or their data calls :func:`record` in the same
transaction as the change (so the entry exists exactly when the change does); a refused
attempt that concerns staff (a grant above one's role, a wrong reset code) is recorded with
``refused=True`` and committed on its own. Entries are never changed or deleted: the
database refuses UPDATE and DELETE on ``audit_entry`` (migration 0017).
"""

from .models import AuditAction, AuditEntry
from .services import entries, record

__all__ = ["AuditAction", "AuditEntry", "entries", "record"]
