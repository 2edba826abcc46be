"""The period a report covers: both ends inclusive, as in the evaluation form."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("The period ends before it starts.")

    @classmethod
    def year(cls, year):
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def years(self):
        """The calendar years the period touches (budget lines and targets are yearly)."""
        return list(range(self.start.year, self.end.year + 1))

    def as_dict(self):
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}
