"""API.md's error contract over the document being fuzzed: the platform's own overlay.

The merged OpenAPI already declares it (streetlevel.common.openapi); applying it again to
the checked-in snapshot is idempotent and keeps the fuzz run honest if the snapshot lags.
"""

from streetlevel.common.openapi import METHODS, with_problem_responses

__all__ = ["METHODS", "with_problem_responses"]
