"""The course notebooks: stored clean, student and solution versions in step, and every one runs
top to bottom in a real Jupyter kernel (the solutions pass every checker; the students' exercise
cells, left as they ship, are "not implemented yet")."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

import backprop
from backprop.exercises.course import NOTEBOOKS_DIR, notebook_paths

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

STUDENT = notebook_paths(solutions=False)
SOLUTION = notebook_paths(solutions=True)
SECONDS = 30  # each notebook, top to bottom, on the 2-core development machine


def _id(path: Path) -> str:
    return path.stem[:3]


def test_one_notebook_per_lecture_file_and_a_solution_for_each():
    assert [p.name[:3] for p in STUDENT] == ["000", "001", "002", "003", "004"]
    assert [p.name for p in SOLUTION] == [p.name for p in STUDENT]
    assert (NOTEBOOKS_DIR / "solutions").is_dir()
    top = Path(__file__).resolve().parents[1] / "notebooks"
    assert top.resolve() == NOTEBOOKS_DIR.resolve()  # found from the repository root


@pytest.mark.parametrize("path", STUDENT + SOLUTION, ids=lambda p: f"{p.parent.name}/{_id(p)}")
def test_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: a cell is stored with outputs"
            assert cell["execution_count"] is None, f"{path.name}: a cell has an execution count"


@pytest.mark.parametrize(
    "student, solution", list(zip(STUDENT, SOLUTION, strict=True)), ids=[_id(p) for p in STUDENT]
)
def test_student_and_solution_differ_only_in_exercise_cells(student, solution):
    a = nbformat.read(student, as_version=4)
    b = nbformat.read(solution, as_version=4)
    assert len(a.cells) == len(b.cells)
    exercises = 0
    for x, y in zip(a.cells, b.cells, strict=True):
        assert x.metadata.get("tags") == y.metadata.get("tags")
        if "exercise" in x.metadata.get("tags", []):
            exercises += 1
            assert "return None" in x.source and "return None" not in y.source
        else:
            assert x.source == y.source
    checks = [c for c in a.cells if "check" in c.metadata.get("tags", [])]
    assert exercises >= 2 and len(checks) == exercises


def _execute(path: Path, tmp_path: Path) -> tuple[object, float]:
    """Run the notebook in a fresh kernel of this interpreter (a kernel spec written for the
    test: nothing depends on a kernel registered on the machine)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = tmp_path / "kernels" / "backprop-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "backprop test", "language": "python"})
    )
    manager = KernelManager(
        kernel_name="backprop-test",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]),
    )
    nb = nbformat.read(path, as_version=4)
    # The kernel imports the backprop these tests import (a worktree's src/ or the installed one).
    package_root = str(Path(backprop.__file__).resolve().parents[1])
    env = {
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
    }
    client = nbclient.NotebookClient(
        nb, km=manager, timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    )
    start = time.perf_counter()
    client.execute(env={**os.environ, **env})  # the kernel's environment
    return nb, time.perf_counter() - start


def _check_outputs(nb) -> list[str]:
    """The Markdown text each checker cell displayed."""
    texts = []
    for cell in nb.cells:
        if "check" in cell.metadata.get("tags", []):
            shown = [
                o["data"]["text/markdown"]
                for o in cell.outputs
                if "text/markdown" in o.get("data", {})
            ]
            assert len(shown) == 1, cell.source
            texts.append(shown[0])
    return texts


@pytest.mark.parametrize("path", SOLUTION, ids=_id)
def test_solution_notebook_runs_and_passes_every_checker(path, tmp_path):
    nb, seconds = _execute(path, tmp_path)
    results = _check_outputs(nb)
    assert results and all(text.startswith("✅ **") for text in results), results
    assert seconds < SECONDS, f"{path.name} took {seconds:.1f} s"


@pytest.mark.parametrize("path", STUDENT, ids=_id)
def test_student_notebook_runs_with_exercises_not_implemented(path, tmp_path):
    nb, seconds = _execute(path, tmp_path)
    results = _check_outputs(nb)
    assert results and all(
        text.startswith("✏️ **your ") and "is not implemented yet: it returned None" in text
        for text in results
    ), results
    assert seconds < SECONDS, f"{path.name} took {seconds:.1f} s"


def test_cli_copies_the_notebooks_for_a_class(tmp_path, capsys):
    from backprop.cli import main

    assert main(["notebooks", str(tmp_path / "class")]) == 0
    assert sorted(p.name for p in (tmp_path / "class").iterdir()) == [p.name for p in STUDENT]
    assert capsys.readouterr().out.startswith(f"5 notebooks in {tmp_path / 'class'}:\n  000_")

    assert main(["notebooks", "--solutions", str(tmp_path / "class")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"backprop: error: {tmp_path / 'class' / STUDENT[0].name} already exists")
    assert err.endswith("nothing was copied (--force replaces them)\n")

    assert main(["notebooks", "--solutions", "--force", str(tmp_path / "class")]) == 0
    assert capsys.readouterr().out.startswith("5 solved notebooks in ")
    for path in SOLUTION:
        assert (tmp_path / "class" / path.name).read_bytes() == path.read_bytes()

    (tmp_path / "file").write_text("")
    assert main(["notebooks", str(tmp_path / "file" / "sub")]) == 2
    assert "cannot copy the notebooks into" in capsys.readouterr().err


def test_a_student_who_forgets_sigma_prime_in_bp2_is_told_so(tmp_path):
    """The issue's promise, end to end: notebook 003 with BP2 written without sigma'(z^l)."""
    solved = nbformat.read(SOLUTION[3], as_version=4)
    cell = next(c for c in solved.cells if c.source.startswith("def backprop("))
    bp2 = "delta = (delta @ weights[l - 1]) * a * (1 - a)"
    assert bp2 in cell.source
    cell.source = cell.source.replace(bp2, "delta = delta @ weights[l - 1]")
    path = tmp_path / "003_mistake.ipynb"
    nbformat.write(solved, path)
    nb, _ = _execute(path, tmp_path)
    shown = _check_outputs(nb)
    assert shown[-1].startswith(
        "❌ **δ^2 is wrong in every row by a factor of σ'(z^2): BP2 multiplies by σ'(z^l)**"
    )
    assert all(text.startswith("✅") for text in shown[:-1])
