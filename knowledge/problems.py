"""A problem found in a card, as data: what ``check`` reports and what loading raises.

Validation collects problems instead of stopping at the first, so ``agentops knowledge check``
can list everything wrong with a team's folder in one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from knowledge.errors import CardError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class CardProblem:
    """One problem with one field of one card file.

    Errors make a card unusable (loading raises); warnings are things a reviewer should look at
    (an unknown field, a dangling reference) but that do not stop the card from loading.
    """

    source: str
    field: str
    message: str
    severity: Severity = "error"
    hint: str = ""

    @property
    def is_error(self) -> bool:
        """Whether this problem stops the card from loading."""
        return self.severity == "error"

    def to_error(self) -> CardError:
        """The exception loading raises for this problem."""
        return CardError(self.source, self.field, self.message, self.hint)

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form; the shape ``agentops knowledge check --json`` prints."""
        return {
            "source": self.source,
            "field": self.field,
            "message": self.message,
            "severity": self.severity,
        }

    def __str__(self) -> str:
        return f"{self.source}: field '{self.field}': {self.message}"
