"""Numbers and arrays as text and as LaTeX: the one place that decides how a value is written.

Text: ``format_number(-8.0) == "-8"``, ``format_array([[1, 2]]) == "[[1, 2]]"``, large arrays
summarised by shape, min and max. LaTeX (math mode): ``latex_array`` writes a vector as a
transposed row ``(1,\\ 2)^\\top`` and a matrix as a ``bmatrix`` (amsmath, which beamer loads),
with one shared power of ten in front when its entries are small or large
(``10^{-4} \\cdot \\begin{bmatrix} -0.9261 & 9.56 \\end{bmatrix}``, see
:func:`shared_exponent`); ``latex_escape`` makes plain text safe outside math mode;
``latex_name`` writes a node's name; :func:`latex_character` is the one place a non-ASCII
character becomes ASCII LaTeX (Greek letters as their commands).

Derivatives, in every format: :func:`partial` writes a local partial derivative ∂top/∂bottom
(the lecture's ∂f/∂d = z, seed 002), :func:`total_derivative` the total derivative dE/dv that the
backward pass sums over every path from v to the output E. Two symbols keep the two apart: for
f = x * x + x the local ∂f/∂x is 1, the total df/dx is 7.

LaTeX output is plain ASCII and needs two packages of every LaTeX installation: amsmath (for
``bmatrix``, ``align*``, ``\\text`` and ``\\tfrac``) and longtable (tables that break across
pages, so that a deep network's walk-through fits): :data:`LATEX_PREAMBLE` is the preamble a
fragment needs and
:func:`latex_document` wraps a fragment into a complete article.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np

__all__ = [
    "format_array",
    "format_number",
    "latex_array",
    "latex_small",
    "latex_character",
    "latex_escape",
    "latex_name",
    "LATEX_NEEDS",
    "LATEX_PREAMBLE",
    "latex_document",
    "latex_number",
    "latex_stack",
    "partial",
    "shared_exponent",
    "total_derivative",
]


def format_number(v: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, integers without a decimal point ("-8")."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    if v == round(v) and abs(v) < 1e15:
        return str(int(v))
    s = f"{v:.{digits}g}"
    return "0" if float(s) == 0 else s


def format_array(a: Any, digits: int = 4, max_elements: int = 32) -> str:
    """A scalar as a number, a small array as nested brackets, a large one as a summary."""
    a = np.asarray(a)
    if a.ndim == 0:
        return format_number(a, digits)
    if a.size > max_elements:
        shape = "×".join(str(n) for n in a.shape)
        if a.size == 0:
            return f"<{shape} array>"
        lo, hi = format_number(a.min(), digits), format_number(a.max(), digits)
        return f"<{shape} array, min {lo}, max {hi}>"
    return _nested(a, lambda v: format_number(v, digits), "[", "]", ", ")


def _nested(a: np.ndarray, fmt: Callable[[Any], str], left: str, right: str, sep: str) -> str:
    if a.ndim == 1:
        return left + sep.join(fmt(v) for v in a) + right
    return left + sep.join(_nested(row, fmt, left, right, sep) for row in a) + right


def latex_number(v: Any, digits: int) -> str:
    """A number in math mode: ``format_number``'s digits, ``1.5 \\times 10^{-7}``, ``\\infty``."""
    s = format_number(v, digits)
    if s in ("inf", "-inf", "nan"):
        return {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{NaN}"}[s]
    if "e" in s:
        mantissa, exponent = s.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return s


#: The most entries a LaTeX vector (a transposed row) or a matrix row shows, and the most rows of
#: a matrix: more do not fit a column of a table on an article page.
LATEX_MAX_COLUMNS = 3
LATEX_MAX_ROWS = 8


def latex_array(a: Any, digits: int, max_elements: int) -> str:
    """Math-mode LaTeX for a value: a number, a transposed row for a vector, a bmatrix; one with
    more than ``max_elements`` entries, more than LATEX_MAX_COLUMNS columns (a vector: entries)
    or more than LATEX_MAX_ROWS rows as its shape, min and max."""
    a = np.asarray(a)
    if a.ndim == 0 or a.size == 1 and a.ndim == 1:
        return latex_number(a.reshape(()), digits)
    # Wider or taller than a page's table column takes: summarised as for too many elements.
    too_wide = a.shape[-1] > LATEX_MAX_COLUMNS if a.ndim > 1 else a.size > LATEX_MAX_COLUMNS
    if a.size > max_elements or too_wide or a.ndim > 1 and a.shape[0] > LATEX_MAX_ROWS:
        shape = r" \times ".join(str(n) for n in a.shape)
        lo, hi = latex_number(a.min(), digits), latex_number(a.max(), digits)
        return rf"{shape}\text{{: }} \min {lo},\ \max {hi}"
    if a.ndim > 2:
        return _nested(a, lambda v: latex_number(v, digits), "[", "]", ",\\ ")
    k = shared_exponent(a, digits)
    factor = "" if k == 0 else rf"10^{{{k}}} \cdot "
    if a.ndim == 1:
        return factor + "(" + ",\\ ".join(_mantissa(v, k, digits) for v in a) + r")^\top"
    rows = [" & ".join(_mantissa(v, k, digits) for v in row) for row in a]
    return factor + r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def shared_exponent(a: Any, digits: int) -> int:
    """The power of ten k that :func:`latex_array` factors out of a vector or matrix, or 0 for
    none.

    Only a small or a large array gets a factor: its largest entry below 0.1 or at least
    10^``digits``; entries of order 1 are written as they are, and so is an array with an
    infinite or NaN entry. The candidates are no factor and the three powers that make the
    largest entry's mantissa 1 to 999 (engineering style); the narrowest wins, no factor or the
    larger power on a tie. An array's width is the sum of its columns' widest entries (a
    vector: of its entries), plus the factor ``10^{k} \\cdot``, counted in digits as the article
    font sets them: a point 1/2, a minus sign 3/2, a superscript character 0.7 and ``\\times``
    or ``\\cdot`` with their spaces 2. Every mantissa has exactly the digits
    :func:`format_number` gives its entry: the BP4 gradient ``[[-9.261e-5, 0.000956],
    [-4.49e-7, -0.001018]]`` is ``10^{-5} \\cdot [[-9.261, 95.6], [-0.0449, -101.8]]``; a
    mixed ``[[1.5, 2e-06]]`` and a plain ``[[0.05, 0.03]]`` stay as they are."""
    a = np.asarray(a, dtype=np.float64)
    if a.size == 0 or not np.all(np.isfinite(a)) or not np.any(a):
        return 0
    # The exponent of the largest entry as printed (9.9996e-5 rounds to 1e-4 at 4 digits).
    largest = Decimal(format_number(np.max(np.abs(a)), digits)).adjusted()
    if -1 <= largest < digits:
        return 0
    columns = a[:, None] if a.ndim == 1 else a.reshape(len(a), -1).T  # a vector's entries

    def width(k: int) -> float:
        factor = 0.0 if k == 0 else 4 + 0.7 * len(str(k))
        texts = [[_shifted_text(v, k, digits) for v in col] for col in columns]
        return factor + sum(max(_text_width(t) for t in col) for col in texts)

    # min keeps the first of equal widths: no factor, else the larger power.
    return min([0, largest, largest - 1, largest - 2], key=width)


def _text_width(text: str) -> float:
    """The width of a number as :func:`latex_number` sets ``format_number``'s ``text``, in
    digits (see :func:`shared_exponent`)."""
    mantissa, _, exponent = text.partition("e")
    width = sum({".": 0.5, "-": 1.5}.get(c, 1.0) for c in mantissa)
    return width + (4 + 0.7 * len(str(int(exponent))) if exponent else 0)


def _shifted_text(v: Any, k: int, digits: int) -> str:
    """Entry ``v`` divided by 10^k as text, with exactly the digits :func:`format_number`
    gives ``v``: the printed number's decimal point is moved, nothing is rounded twice (15
    significant digits hold any number ``format_number`` prints)."""
    if k == 0:
        return format_number(v, digits)
    return format_number(float(Decimal(format_number(v, digits)).scaleb(-k)), 15)


def _mantissa(v: Any, k: int, digits: int) -> str:
    """Entry ``v`` of an array whose factor is 10^k, in math mode (see :func:`_shifted_text`)."""
    return latex_number(v, digits) if k == 0 else latex_number(_shifted_text(v, k, digits), 15)


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_stack(lines: list[str]) -> str:
    """Table-cell LaTeX written on several lines (a one-column ``tabular`` without margins), so
    that a wide cell keeps the table within the page; a single line as it is."""
    if len(lines) == 1:
        return lines[0]
    return r"\begin{tabular}[t]{@{}l@{}}" + r" \\ ".join(lines) + r"\end{tabular}"


def latex_small(table: str) -> str:
    """A table in a small font with 4 pt between columns (6 pt is LaTeX's own), in a group of
    its own: a table of matrices fits the width of an article page that way (and a
    ``longtable``, centred by itself, its height by page breaks)."""
    return "\n".join([r"{\small\setlength{\tabcolsep}{4pt}", table, "}"])


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in plain text (``my_var`` -> ``my\\_var``); a
    non-ASCII character becomes :func:`latex_character`'s form in math mode (``$\\alpha$``)."""
    return "".join(
        _LATEX_SPECIAL.get(c, c) if c.isascii() else f"${latex_character(c)}$" for c in text
    )


def latex_name(name: str) -> str:
    """A node name in math mode, plain ASCII: a single letter as it is (``x``, ``α`` ->
    ``\\alpha``), a longer name upright (``\\mathrm{my\\_var}``, ``αβ`` ->
    ``\\mathrm{\\alpha\\beta}``); each non-ASCII character as :func:`latex_character`
    writes it."""
    if len(name) == 1 and name.isalpha():
        return latex_character(name)
    parts = [latex_character(c) if not c.isascii() else latex_escape(c) for c in name]
    # A command followed by a letter needs a space: \alpha x, not \alphax.
    text = "".join(
        part + " " if part[-1].isalpha() and part.startswith("\\") and nxt[:1].isalpha() else part
        for part, nxt in zip(parts, [*parts[1:], ""], strict=True)
    )
    return r"\mathrm{" + text + "}"


#: Greek letters by their Unicode names; the symbol variants (ϵ, ϑ, ϕ, ϱ, ϖ) and ε, φ, ς as the
#: LaTeX command with the same glyph, as unicode-math maps them, so no two letters share one.
_GREEK_VARIANTS = {
    "\u03b5": r"\varepsilon",  # ε: the open epsilon is \varepsilon; \epsilon is ϵ
    "\u03f5": r"\epsilon",
    "\u03c6": r"\varphi",  # φ: the loopy phi is \varphi; \phi is ϕ
    "\u03d5": r"\phi",
    "\u03d1": r"\vartheta",
    "\u03f1": r"\varrho",
    "\u03d6": r"\varpi",
    "\u03c2": r"\varsigma",
    "\u03bf": "o",  # omicron has no command: its Latin look-alike
}
#: The small Greek letters LaTeX has commands for, by their Unicode names (omicron: above).
_GREEK_SMALL = {"ALPHA", "BETA", "GAMMA", "DELTA", "EPSILON", "ZETA", "ETA", "THETA", "IOTA",
                "KAPPA", "LAMBDA", "MU", "NU", "XI", "PI", "RHO", "SIGMA", "TAU", "UPSILON", "PHI",
                "CHI", "PSI", "OMEGA"}  # fmt: skip
#: The capital Greek letters LaTeX has commands for; the others are their Latin look-alikes.
_GREEK_CAPITALS = {"GAMMA", "DELTA", "THETA", "LAMBDA", "XI", "PI", "SIGMA", "UPSILON", "PHI",
                   "PSI", "OMEGA"}  # fmt: skip
_LATIN_LOOKALIKES = {"ALPHA": "A", "BETA": "B", "EPSILON": "E", "ZETA": "Z", "ETA": "H",
                     "IOTA": "I", "KAPPA": "K", "MU": "M", "NU": "N", "OMICRON": "O", "RHO": "P",
                     "TAU": "T", "CHI": "X"}  # fmt: skip


def latex_character(c: str) -> str:
    """One character as plain-ASCII math-mode LaTeX that pdflatex compiles.

    A Greek letter becomes its command (``α`` -> ``\\alpha``, ``Δ`` -> ``\\Delta``; ``ε``
    -> ``\\varepsilon`` and ``ϵ`` -> ``\\epsilon``, ``φ`` -> ``\\varphi`` and ``ϕ`` ->
    ``\\phi``, so that each looks as typed); a capital without a command is its Latin
    look-alike (``Α`` -> ``A``, ``Ρ`` -> ``P``), as in the lectures. Any other non-ASCII
    character is its code point in angle brackets, ``é`` -> ``\\langle\\text{U+00E9}\\rangle``,
    which no ASCII name produces; an ASCII character is returned as it is."""
    if c.isascii():
        return c
    if c in _GREEK_VARIANTS:
        return _GREEK_VARIANTS[c]
    name = unicodedata.name(c, "").replace("LAMDA", "LAMBDA")  # Unicode's spelling
    if name.startswith("GREEK SMALL LETTER ") and name[19:] in _GREEK_SMALL:
        return "\\" + name[19:].lower()
    if name.startswith("GREEK CAPITAL LETTER "):
        letter = name[21:]
        if letter in _GREEK_CAPITALS:
            return "\\" + letter.capitalize()
        if letter in _LATIN_LOOKALIKES:
            return _LATIN_LOOKALIKES[letter]
    return _code_point(c)


def _code_point(c: str) -> str:
    return rf"\langle\text{{U+{ord(c):04X}}}\rangle"


def partial(top: str, bottom: str, latex: bool = False, tag: str = "") -> str:
    """The local partial derivative of the node ``top`` by its operand ``bottom``: ``∂f/∂d``, or
    in LaTeX ``\\frac{\\partial f}{\\partial d}``. ``tag`` tells apart two uses of one node
    as operands (x * x: "left" and "right")."""
    if latex:
        symbol = rf"\frac{{\partial {latex_name(top)}}}{{\partial {latex_name(bottom)}}}"
        return symbol + (rf"\,(\text{{{tag}}})" if tag else "")
    return f"∂{top}/∂{bottom}" + (f" ({tag})" if tag else "")


def total_derivative(top: str, bottom: str, latex: bool = False) -> str:
    """The total derivative of ``top`` by ``bottom``, summed over every path between them:
    ``df/dx``, or in LaTeX ``\\frac{\\mathrm{d} f}{\\mathrm{d} x}``."""
    if latex:
        return rf"\frac{{\mathrm{{d}} {latex_name(top)}}}{{\mathrm{{d}} {latex_name(bottom)}}}"
    return f"d{top}/d{bottom}"


#: The preamble a LaTeX fragment of ``explain`` needs (after ``\\documentclass``).
LATEX_PREAMBLE = r"\usepackage{amsmath,longtable}"
#: The first line of every LaTeX fragment: a comment naming that preamble.
LATEX_NEEDS = f"% backprop explain: needs {LATEX_PREAMBLE} in the preamble"


def latex_document(body: str) -> str:
    """A complete LaTeX document (an article) around a fragment of ``explain``'s LaTeX output."""
    head = [r"\documentclass{article}", LATEX_PREAMBLE, r"\begin{document}"]
    return "\n".join([*head, body, r"\end{document}", ""])
