"""The teaching notebooks run top to bottom (with few replicates) and are stored clean."""

import json
import os

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import ROOT
from .test_app import INFO_SECTIONS

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_three_notebooks():
    assert [n.name for n in NOTEBOOKS] == ["01_the_january_2024_crisis.ipynb",
                                           "02_escalation_policies.ipynb",
                                           "03_what_kept_it_from_war.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(path):
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom(path, monkeypatch):
    monkeypatch.setenv("CRISIS_SIM_QUICK", "1")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for o in outputs), "no figure was drawn"
    assert os.environ["CRISIS_SIM_QUICK"] == "1"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_starts_with_the_info_sections_of_the_classroom_page(path):
    cells = json.loads(path.read_text())["cells"]
    info = "".join(cells[1]["source"])
    assert info.startswith("## Info")
    assert [line[4:] for line in info.splitlines() if line.startswith("### ")] == INFO_SECTIONS


def test_the_sliders_run_when_released_not_while_dragged():
    cells = json.loads(NOTEBOOKS[2].read_text())["cells"]
    (cell,) = ["".join(c["source"]) for c in cells if "FloatSlider" in "".join(c["source"])]
    assert cell.count("FloatSlider(") == 3 and cell.count("**slider") == 3
    assert "slider = dict(continuous_update=False)" in cell


def test_sweeps_and_comparisons_in_the_notebooks_show_their_progress():
    """Notebook 3's sweeps take a minute or more: each shows a progress bar (a widget)."""
    code = ["".join(c["source"]) for path in NOTEBOOKS
            for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    calls = [line for cell in code for line in cell.splitlines()
             if "sim.sweep(" in line or "sim.compare(" in line]
    assert len(calls) >= 4 and all("progress=True" in line for line in calls), calls
