"""The calendar of the deadlines: month arithmetic, dates in French, departments and their
court calendars (public holidays, Alsace-Moselle's included), working days and the
délai franc (CPC art. 641-642).

Pure module, used by the deadline engine (workflow/law/deadlines.py), which re-exports
its public names.
"""

from __future__ import annotations

import calendar
import functools
from datetime import date, timedelta
from types import MappingProxyType
from typing import Mapping

import holidays

from workflow.law.departments import DEPARTMENT_NAMES

__all__ = [
    "DEPARTMENTS",
    "UnknownDepartment",
    "add_months",
    "court_department",
    "format_date_fr",
    "format_long_fr",
    "franc_last_day",
    "is_working_day",
    "next_working_day",
    "non_working_reason",
    "normalise_department",
]

# Metropolitan departments 01-95 (20 no longer exists since Corsica was split in 1976)
# plus Corsica and the five overseas departments (workflow/law/departments.py).
DEPARTMENTS: frozenset[str] = frozenset(DEPARTMENT_NAMES)

# Departments under the tribunal administratif de Strasbourg, mapped to the `holidays`
# subdivision code. holidays 0.109 knows "57" (Moselle) and "6AE" (Alsace), not "67"/"68".
_ALSACE_MOSELLE_SUBDIV: Mapping[str, str] = MappingProxyType({"57": "57", "67": "6AE", "68": "6AE"})

_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)
_WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class UnknownDepartment(ValueError):
    """Raised for a code that is not a French department."""

    def __init__(self, code: object) -> None:
        self.code = code
        super().__init__(
            f"Département inconnu : « {code} ». Indiquez un département français : "
            "01 à 95 (2A ou 2B pour la Corse), 971, 972, 973, 974 ou 976."
        )


# --------------------------------------------------------------------------- dates


@functools.lru_cache(maxsize=65536)
def add_months(start: date, months: int) -> date:
    """Same day number `months` later, clamped to the month's last day (CPC 641)."""
    # Plain arithmetic, as dateutil's relativedelta(months=n) counts, at a fraction of its
    # cost (it was the hot spot of computing 100,000 requests); cached, as the same
    # (date, months) pairs recur constantly.
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def format_date_fr(day: date) -> str:
    """'11 février 2026', '1er mars 2026' (no locale dependency)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {_MONTHS_FR[day.month - 1]} {day.year}"


def days_away_fr(days: int) -> str:
    """How far a day is from today, in words: 'aujourd'hui', 'dans 1 jour', 'dans 12 jours',
    'il y a 3 jours' (never '0 jour')."""
    if days == 0:
        return "aujourd'hui"
    count = abs(days)
    words = f"{count} jour{'s' if count > 1 else ''}"
    return f"dans {words}" if days > 0 else f"il y a {words}"


def format_long_fr(day: date) -> str:
    """'mardi 30 mars 2027'."""
    return f"{_WEEKDAYS_FR[day.weekday()]} {format_date_fr(day)}"


# --------------------------------------------------------------------- departments


@functools.lru_cache(maxsize=512)
def _normalise_str(code: str) -> str:
    cleaned = code.strip().upper()
    if cleaned.isdigit() and len(cleaned) == 1:
        cleaned = "0" + cleaned  # "1" -> "01"
    if cleaned not in DEPARTMENTS:
        raise UnknownDepartment(code)
    return cleaned


def normalise_department(code: str) -> str:
    """Canonical department code ('1' -> '01', '2a' -> '2A'); raises UnknownDepartment."""
    if isinstance(code, bool) or not isinstance(code, (str, int)):
        raise UnknownDepartment(code)
    return _normalise_str(str(code))


def court_department(department: str) -> str | None:
    """Calendar used for court deadlines: the department in Alsace-Moselle, else None (national)."""
    dep = normalise_department(department)
    return dep if dep in _ALSACE_MOSELLE_SUBDIV else None


# ------------------------------------------------------------------------ calendars


def _subdiv(department: str | None) -> str | None:
    # Only the Alsace-Moselle local law adds working-day holidays to the court calendar
    # here; every other department (overseas included) uses the national list, as agreed.
    if department is None:
        return None
    return _ALSACE_MOSELLE_SUBDIV.get(normalise_department(department))


@functools.lru_cache(maxsize=None)
def _holidays_for(subdiv: str | None, year: int) -> Mapping[date, str]:
    # Built once per (calendar, year): constructing a holidays object is far too slow to
    # do per request, and the benchmark computes 100,000 requests.
    if subdiv is None:
        calendar = holidays.France(years=year, language="fr")
    else:
        calendar = holidays.France(subdiv=subdiv, years=year, language="fr")
    return MappingProxyType(dict(calendar))


def non_working_reason(day: date, department: str | None) -> str | None:
    """Why `day` is not a working day in the department's court calendar (a holiday's
    name, a weekday's), or None if it is one."""
    name = _holidays_for(_subdiv(department), day.year).get(day)
    if name is not None:
        return name
    if day.weekday() >= 5:
        return _WEEKDAYS_FR[day.weekday()]
    return None


def is_working_day(day: date, department: str | None) -> bool:
    """False on Saturdays, Sundays and public holidays of the department's court calendar."""
    if day.weekday() >= 5:
        return False
    return day not in _holidays_for(_subdiv(department), day.year)


def next_working_day(day: date, department: str | None) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    subdiv = _subdiv(department)
    while day.weekday() >= 5 or day in _holidays_for(subdiv, day.year):
        day += timedelta(days=1)
    return day


@functools.lru_cache(maxsize=65536)
def franc_last_day(start: date, months: int, department: str | None) -> date:
    """Délai franc: D + n months + 1 day, moved to the next working day (CPC 642)."""
    return next_working_day(add_months(start, months) + timedelta(days=1), department)
