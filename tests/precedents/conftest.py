import pytest

from tests.helpers import run_worker
from tests.precedents import samples
from workflow.directory.importing import open_text
from workflow.jobs.precedents import enqueue_indexing
from workflow.precedents import import_opinions


def import_and_index(path) -> object:
    """As `flask cada import` does: the rows, then the index job a worker runs."""
    with open_text(str(path)) as stream:
        report = import_opinions(stream)
    assert enqueue_indexing()
    run_worker()
    return report


@pytest.fixture
def opinions(app, tmp_path):
    """The three sample opinions, imported and indexed."""
    report = import_and_index(samples.write(tmp_path / "cada.csv", [samples.CCTV, samples.PREFECT, samples.THERMAL]))
    assert report.added == 3
    return report
