import pytest

from tests.precedents import samples
from workflow.directory.importing import open_text
from workflow.precedents import import_opinions


@pytest.fixture
def opinions(app, tmp_path):
    """The three sample opinions, imported as `flask cada import` does."""
    path = samples.write(tmp_path / "cada.csv", [samples.CCTV, samples.PREFECT, samples.THERMAL])
    with open_text(str(path)) as stream:
        report = import_opinions(stream)
    assert report.added == 3
    return report
