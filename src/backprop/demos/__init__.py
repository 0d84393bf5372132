"""Runnable lecture examples: ``backprop demo NAME``. Each module has a TITLE and a ``run``.

``run(out, data=None, epochs=None)`` prints what the slide shows, writes any pictures into the
folder ``out`` and returns the key numbers as a dict (the tests assert them). A demo that takes
``data`` may also have ``check(data)``, which refuses a dataset before any folder is made.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from types import ModuleType

# Order of the lectures; "mnist" is the default main demo.
NAMES = {
    "mnist": "mnist",
    "neuron": "neuron",
    "gates": "gates",
    "xor-hand": "xor_hand",
    "xor-learned": "xor_learned",
    "linear": "linear",
    "approximation": "approximation",
    "graph": "graph",
    "output-codings": "output_codings",
    "numerical-gradient": "numerical_gradient",
    "nielsen": "nielsen",
    "learning-rate": "learning_rate",
}


class _Lazy(dict):
    """name -> demo module, imported on first use (plotting libraries load only when needed)."""

    def __getitem__(self, name: str) -> ModuleType:
        return import_module(f"{__name__}.{NAMES[name]}")

    def items(self):  # type: ignore[override]
        return ((name, self[name]) for name in NAMES)

    def __iter__(self):
        return iter(NAMES)

    def __len__(self) -> int:
        return len(NAMES)

    def __contains__(self, name: object) -> bool:
        return name in NAMES


DEMOS = _Lazy()


def run_demo(
    name: str, out: Path = Path("backprop-out"), data: str | None = None, epochs: int | None = None
) -> int:
    """Run one demo by name (see ``NAMES``); returns the process exit code."""
    if name not in NAMES:
        raise ValueError(f"unknown demo {name!r}; choose one of {', '.join(NAMES)}")
    demo = DEMOS[name]
    if hasattr(demo, "check"):  # arguments a demo can refuse before anything is written
        demo.check(data)
    folder = Path(out) / name
    folder.mkdir(parents=True, exist_ok=True)
    demo.run(folder, data=data, epochs=epochs)
    return 0
