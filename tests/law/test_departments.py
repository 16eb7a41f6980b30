"""The departments' names by code (workflow/law/departments.py)."""
import pytest

from workflow.core.text import fold
from workflow.law.calendar import DEPARTMENTS
from workflow.law.courts import COURT_OF_DEPARTMENT
from workflow.law.departments import DEPARTMENT_NAMES, department_name


def test_the_101_departments_have_a_name():
    expected = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B", "971", "972", "973", "974", "976"}
    assert set(DEPARTMENT_NAMES) == expected == set(DEPARTMENTS) == set(COURT_OF_DEPARTMENT)
    assert len(DEPARTMENT_NAMES) == 101
    assert all(fold(name) for name in DEPARTMENT_NAMES.values())
    assert len(set(DEPARTMENT_NAMES.values())) == 101


@pytest.mark.parametrize(("code", "name"), [
    ("01", "Ain"), ("13", "Bouches-du-Rhône"), ("2A", "Corse-du-Sud"), ("2B", "Haute-Corse"),
    ("21", "Côte-d'Or"), ("57", "Moselle"), ("67", "Bas-Rhin"), ("68", "Haut-Rhin"), ("75", "Paris"),
    ("90", "Territoire de Belfort"), ("93", "Seine-Saint-Denis"), ("95", "Val-d'Oise"),
    ("971", "Guadeloupe"), ("972", "Martinique"), ("973", "Guyane"), ("974", "La Réunion"), ("976", "Mayotte"),
])
def test_names_as_the_official_geographic_code_writes_them(code, name):
    assert DEPARTMENT_NAMES[code] == name


def test_department_name_takes_codes_as_typed():
    assert department_name("2a") == "Corse-du-Sud"
    assert department_name(" 57 ") == "Moselle"
    assert department_name("20") == department_name("975") == department_name("") == department_name(None) == ""
