"""The tribunal administratif of each department (CJA R221-3)."""
import pytest

from workflow.law.calendar import DEPARTMENTS
from workflow.law.courts import COURT_OF_DEPARTMENT, COURTS, court_for, court_slug


@pytest.mark.parametrize("department", sorted(DEPARTMENTS))
def test_every_department_has_its_tribunal(department):
    court = court_for(department)
    assert court is not None and court.name.startswith("Tribunal administratif ")
    assert court.slug.startswith("ta-") and court.slug.isascii()


def test_the_table_covers_the_departments_and_nothing_else():
    assert set(COURT_OF_DEPARTMENT) == set(DEPARTMENTS)
    assert len({court.slug for court in COURTS.values()}) == len(COURTS) == 36


@pytest.mark.parametrize("department, seat", [
    ("57", "Strasbourg"), ("67", "Strasbourg"), ("68", "Strasbourg"), ("54", "Nancy"), ("55", "Nancy"),
    ("88", "Nancy"), ("93", "Montreuil"), ("92", "Cergy-Pontoise"), ("95", "Cergy-Pontoise"), ("91", "Versailles"),
    ("78", "Versailles"), ("94", "Melun"), ("77", "Melun"), ("75", "Paris"), ("07", "Lyon"), ("30", "Nîmes"),
    ("84", "Nîmes"), ("83", "Toulon"), ("06", "Nice"), ("2A", "Bastia"), ("2B", "Bastia"), ("90", "Besançon"),
    ("974", "Saint-Denis"), ("976", "Mamoudzou"),
])
def test_seats_not_in_the_same_department(department, seat):
    assert court_for(department).seat == seat


def test_names_and_slugs():
    assert court_for("57").slug == "ta-strasbourg" and court_for("57").name == "Tribunal administratif de Strasbourg"
    assert court_slug("51") == "ta-chalons-en-champagne"
    assert court_for("974").name == "Tribunal administratif de La Réunion"
    assert court_for("20") is None and court_for("") is None and court_slug("99") is None
