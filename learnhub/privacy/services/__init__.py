"""The privacy feature's services, by concern:

- :mod:`.consent`: the notice version, who must agree again, the history
- :mod:`.export_data` and :mod:`.exports`: the "my data" ZIP, its one download, expiry
- :mod:`.settle_first`, :mod:`.closing`: closing an account after a cooling-off period
- :mod:`.retention`: deleting on schedule what is kept only to run the site
- :mod:`.exposure`: showing a learner's full mobile number to staff, with a reason
- :mod:`.files`: files deleted when their rows' deletion is committed

Modules of the feature import the submodule they need, never this package.
"""

from .closing import ClosingError, cancel_closure, close_due_accounts, request_closure
from .consent import agree, current_version, needs_consent, withdraw
from .exports import ExportRefused, build_export, request_export, take_download

__all__ = [
    "ClosingError",
    "ExportRefused",
    "agree",
    "build_export",
    "cancel_closure",
    "close_due_accounts",
    "current_version",
    "needs_consent",
    "request_closure",
    "request_export",
    "take_download",
    "withdraw",
]
