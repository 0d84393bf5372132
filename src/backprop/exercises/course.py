"""The course notebooks that ship inside the package: one practical per lecture file, and the
same notebooks with every exercise solved in ``solutions/``, for a teacher to hand out."""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["NOTEBOOKS_DIR", "copy_notebooks", "notebook_paths"]

#: The student notebooks; their solved twins are in ``NOTEBOOKS_DIR / "solutions"``.
NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"


def notebook_paths(solutions: bool = False) -> list[Path]:
    """The five notebooks in lecture order (000 to 004), student or solution versions."""
    folder = NOTEBOOKS_DIR / "solutions" if solutions else NOTEBOOKS_DIR
    return sorted(folder.glob("*.ipynb"))


def copy_notebooks(
    destination: str | Path, solutions: bool = False, overwrite: bool = False
) -> list[Path]:
    """Copy the notebooks into ``destination`` (created if needed) for a class and return the
    paths written. A notebook already there (perhaps with a student's work in it) is replaced
    only with ``overwrite``; otherwise ``FileExistsError`` names the first one and nothing is
    copied."""
    out = Path(destination)
    sources = notebook_paths(solutions)
    existing = [out / p.name for p in sources if (out / p.name).exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{existing[0]} already exists ({len(existing)} of the notebooks are there); "
            f"nothing was copied"
        )
    out.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(p, out / p.name)) for p in sources]
