"""Recognition of outside learning (学习成果认定) and the outcome catalogue (成果名录).

An application moves draft → submitted → in review → approved | rejected | returned
(→ submitted again); the learner may withdraw a draft or a submitted application. Every
move is one conditional ``UPDATE … WHERE status IN (…)`` (:mod:`.states`): of two people
acting on the same application at once, exactly one wins and the other is refused with a
message. Approval pays through :func:`learnhub.creditbank.services.post_entry` under the key
``recognition:<id>``, so the credits are deposited once whatever happens.

Services take plain values and models, flush and never commit. By concern:

- :mod:`.states`: the states, and the one conditional move between them
- :mod:`.amounts`: the study hours and credits a learner may ask for
- :mod:`.applications`: the learner's details, drafts, sending and withdrawing
- :mod:`.evidence_files`: evidence files: sniffing, storing, removing, their paths
- :mod:`.staff_review`: take for review, put back, approve, reject, return; the queue
- :mod:`.outcome_catalogue`: the outcome catalogue (成果名录)

This package re-exports their public names for callers outside the feature; the feature's
own modules import the submodule they need, never this package, so no import goes round.
"""

from ..errors import RecognitionError
from .amounts import MAX_HOURS, max_credits, parse_hours
from .applications import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    ApplicationDetails,
    applications_of,
    check_details,
    create_draft,
    details_of,
    submit,
    update_details,
    withdraw,
)
from .evidence_files import (
    EVIDENCE_MIMETYPES,
    MAX_EVIDENCE_FILES,
    add_evidence,
    evidence_path,
    evidence_root,
    remove_evidence,
    sniff_evidence,
)
from .outcome_catalogue import (
    NAME_MAX,
    OutcomeTypeDetails,
    outcome_types,
    save_outcome_type,
    set_outcome_type_active,
)
from .staff_review import (
    REASON_MAX,
    approve,
    business_key,
    claim,
    queue_counts,
    reject,
    release,
    return_for_evidence,
    review_queue,
    visible_to_staff,
)
from .states import EDITABLE, WITHDRAWABLE, Status

__all__ = [
    "DESCRIPTION_MAX",
    "EDITABLE",
    "EVIDENCE_MIMETYPES",
    "MAX_EVIDENCE_FILES",
    "MAX_HOURS",
    "NAME_MAX",
    "REASON_MAX",
    "TITLE_MAX",
    "WITHDRAWABLE",
    "ApplicationDetails",
    "OutcomeTypeDetails",
    "RecognitionError",
    "Status",
    "add_evidence",
    "applications_of",
    "approve",
    "business_key",
    "check_details",
    "claim",
    "create_draft",
    "details_of",
    "evidence_path",
    "evidence_root",
    "max_credits",
    "outcome_types",
    "parse_hours",
    "queue_counts",
    "reject",
    "release",
    "remove_evidence",
    "return_for_evidence",
    "review_queue",
    "save_outcome_type",
    "set_outcome_type_active",
    "sniff_evidence",
    "submit",
    "update_details",
    "visible_to_staff",
    "withdraw",
]
