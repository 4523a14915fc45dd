"""JSON merge patch (RFC 7396) and validation of the patched document."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from streetlevel.common.errors import ValidationProblem

M = TypeVar("M", bound=BaseModel)


def validate_patched(model: type[M], document: Any, what: str) -> M:
    """The patched document as ``model``; a 422 listing what is wrong otherwise."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise ValidationProblem.from_pydantic(
            f"The patched {what} is not valid.", exc.errors(include_url=False, include_input=False)
        ) from exc
