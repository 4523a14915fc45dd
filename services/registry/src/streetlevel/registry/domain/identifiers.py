"""Organisation identifiers (org-id.guide schemes) and the formats each scheme issues."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

Scheme = Literal["GB-COH", "GB-CHC", "GB-SC", "GB-NIC", "GB-MPR", "GB-PPON"]

_COH_PREFIXES = "SC|NI|OC|SO|NC|R0|FC|NF|IP|SP|RS|SI|NP|NO|GE|CE|LP|SL|NL|SF|SA|SZ"
FORMATS: dict[str, re.Pattern[str]] = {
    # Companies House (CICs are companies): 8 digits, or a 2-letter register prefix + 6 digits.
    "GB-COH": re.compile(rf"^(\d{{8}}|({_COH_PREFIXES})\d{{6}})$"),
    # Charity Commission for England and Wales, with an optional subsidiary suffix.
    "GB-CHC": re.compile(r"^\d{6,8}(-\d{1,3})?$"),
    # Scottish Charity Regulator.
    "GB-SC": re.compile(r"^SC\d{6}$"),
    # Charity Commission for Northern Ireland.
    "GB-NIC": re.compile(r"^\d{5,6}$"),
    # FCA Mutuals Public Register (co-operatives and community benefit societies).
    "GB-MPR": re.compile(r"^\d{1,6}R?$"),
    # Public Procurement Organisation Number, issued by Find a Tender's central digital platform
    # to every registered supplier (Procurement Act 2023): P + 3 letters, 4 digits, 4 letters.
    "GB-PPON": re.compile(r"^P[A-Z]{3}-\d{4}-[A-Z]{4}$"),
}
EXAMPLES = {
    "GB-COH": "12345678 or SC123456",
    "GB-CHC": "1234567 or 1234567-1",
    "GB-SC": "SC012345",
    "GB-NIC": "100123",
    "GB-MPR": "12345R",
    "GB-PPON": "PBHM-7586-PWLP",
}


class Identifier(BaseModel):
    """``{"scheme": "GB-COH", "id": "12345678"}``, normalised and checked against its scheme."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: Scheme
    id: str

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            data = {**data, "id": data["id"].strip().upper().replace(" ", "")}
        return data

    @model_validator(mode="after")
    def _check_format(self) -> Identifier:
        if not FORMATS[self.scheme].match(self.id):
            raise ValueError(
                f"{self.id!r} is not a {self.scheme} identifier (e.g. {EXAMPLES[self.scheme]})"
            )
        return self

    def __str__(self) -> str:
        return f"{self.scheme}-{self.id}"
