"""Commissioning errors: each carries its status through the common error types."""

from __future__ import annotations

from streetlevel.common.errors import Conflict, DeadlinePassed, InvalidTransition, NotFound


class CommissionNotFound(NotFound):
    """The commission does not exist or is not visible to the caller."""


class BidNotFound(NotFound):
    """The bid does not exist or is not visible to the caller."""


class ContractNotFound(NotFound):
    """The contract does not exist."""


class IllegalStatus(InvalidTransition):
    """The aggregate's status does not allow this action."""


class TenderClosed(DeadlinePassed):
    """The tender deadline (or the enquiry deadline) has passed."""


class EvaluationIncomplete(Conflict):
    """An action needs every valid bid scored first."""


class PeriodNotEnded(InvalidTransition):
    """Nothing is paid for a period before it has ended."""


class PayableNotFound(NotFound):
    """No such payable (or not the caller's to see)."""
