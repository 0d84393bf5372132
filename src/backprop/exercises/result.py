"""What a checker answers: a result that is truthy when every quantity matches, and otherwise
names the first wrong one, where it is, the expected and received values and a hint in the
lectures' words. Also the two helpers every checker shares: calling the student's function
(None means "not implemented yet", an exception becomes one line) and locating the first entry
where two arrays differ."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "CheckResult",
    "Failure",
    "as_array",
    "call",
    "close",
    "first_difference",
    "passed",
    "show",
    "RTOL",
    "wrong",
]


@dataclass(frozen=True)
class CheckResult:
    """The answer of a ``check_*`` function.

    ``passed`` is True when everything matched (the result is then truthy); ``status`` is one of
    "correct", "wrong", "not implemented" or "error" (the student's function raised).
    ``message`` is the first line (what is wrong, or what was checked), ``details`` the lines
    that locate it (where, expected, received, shapes) and ``hint`` the lectures' equation.
    """

    passed: bool
    status: str
    message: str
    details: tuple[str, ...] = ()
    hint: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [self.message, *(f"  {line}" for line in self.details)]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        mark = {"correct": "✅", "not implemented": "✏️"}.get(self.status, "❌")
        lines = [f"{mark} **{_escape(self.message)}**", ""]
        lines += [f"- {_escape(line)}" for line in self.details]
        if self.hint:
            lines += ["", f"*Hint:* {_escape(self.hint)}"]
        return "\n".join(lines)


def _escape(text: str) -> str:
    """Text shown literally in Markdown: the lectures' a^{l-1}_k and Σ_x must not turn into
    emphasis."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


class Failure(Exception):
    """Raised inside a checker to stop at the first wrong quantity; carries the result."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


def wrong(message: str, details: list[str] | tuple[str, ...] = (), hint: str = "") -> Failure:
    """A Failure for a wrong quantity (raise it)."""
    return Failure(CheckResult(False, "wrong", message, tuple(details), hint))


def passed(message: str, details: list[str] | tuple[str, ...] = ()) -> CheckResult:
    return CheckResult(True, "correct", message, tuple(details))


def call(fn: Callable[..., Any], name: str, *args: Any) -> Any:
    """``fn(*args)``, or raise a Failure: "not implemented yet" when it returns None, the
    exception's one-line text when it raises."""
    try:
        out = fn(*args)
    except Exception as exc:  # the student's code: any exception is an answer to report
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise Failure(
            CheckResult(
                False,
                "error",
                f"{name} raised {type(exc).__name__}" + (f": {text}" if text else ""),
                (),
                _hint_for_exception(exc),
            )
        ) from None
    if out is None:
        raise Failure(
            CheckResult(
                False,
                "not implemented",
                f"{name} is not implemented yet: it returned None",
                (),
                "write the function's body and run this cell again",
            )
        )
    return out


def _hint_for_exception(exc: Exception) -> str:
    text = str(exc)
    shape_words = ("shape", "align", "broadcast", "dimension")
    if isinstance(exc, ValueError) and any(word in text for word in shape_words):
        return (
            "a matrix product or sum got arrays whose shapes do not fit; write the shape of "
            "each factor next to the equation (w^l is (n_l, n_{l-1}), a batch has one row per "
            "example)"
        )
    if "truth value of an array" in text:
        return (
            "the function receives a whole NumPy array: use np.maximum, np.where or comparisons "
            "such as (z > 0), not Python's max() or an if on the array"
        )
    return ""


#: Relative tolerance of every comparison: float32 arithmetic anywhere in the student's
#: computation (a float32 array meeting float64 targets) still passes, and every mistake the
#: checkers name changes the numbers by far more.
RTOL = 1e-4


def close(received: Any, expected: Any, rtol: float) -> bool:
    """Equal within ``rtol`` relative to each entry and to the quantity's largest entry."""
    received = np.asarray(received, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if received.shape != expected.shape:
        return False
    scale = float(np.max(np.abs(expected), initial=0.0))
    return bool(np.allclose(received, expected, rtol=rtol, atol=rtol * scale + 1e-12))


def first_difference(received: np.ndarray, expected: np.ndarray, rtol: float) -> tuple[int, ...]:
    """The index of the first entry (row-major order) where the arrays differ."""
    received = np.asarray(received, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = float(np.max(np.abs(expected), initial=0.0))
    bad = ~np.isclose(received, expected, rtol=rtol, atol=rtol * scale + 1e-12)
    flat = int(np.argmax(bad.reshape(-1)))
    return tuple(int(i) for i in np.unravel_index(flat, expected.shape))


def as_array(value: Any, name: str) -> np.ndarray:
    """The student's value as a float array, or a Failure naming what came back."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise wrong(
            f"{name} is not an array of numbers: got {type(value).__name__}",
        ) from None
    return arr


def show(value: Any) -> str:
    """A short text form of a number or an array."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    text = np.array2string(
        arr, precision=5, suppress_small=True, threshold=12, separator=", ", max_line_width=10**6
    )
    return " ".join(text.split())
