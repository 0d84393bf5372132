"""explain's LaTeX compiles with pdflatex and fits an article page: an expression's table and a
network walk-through, as a fragment inside the documented preamble and as ``--standalone``.

pdflatex comes from Debian's texlive-latex-base (``make test`` installs it with the other system
dependencies); without it these tests fail, they are not skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from backprop.explain import explain
from backprop.explain.format import latex_array, latex_character, latex_name, shared_exponent
from backprop.expression import evaluate_expression
from backprop.layered import Network

#: The preamble the fragments document in their first line and in backprop.explain.
DOCUMENTED_PREAMBLE = r"\usepackage{amsmath,longtable}"


def pdflatex(tex: str, folder: Path) -> str:
    """Compile ``tex`` in ``folder``; assert exit 0 and a PDF, and return pdflatex's log."""
    executable = shutil.which("pdflatex")
    assert executable, "pdflatex is missing: run `make system-deps` (texlive-latex-base)"
    (folder / "doc.tex").write_text(tex, encoding="ascii")
    result = subprocess.run(
        [executable, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (folder / "doc.pdf").read_bytes().startswith(b"%PDF")
    return (folder / "doc.log").read_text(errors="replace")


def fragment_document(fragment: str) -> str:
    """The fragment inside an article with the preamble its first line asks for."""
    assert fragment.splitlines()[0] == (
        f"% backprop explain: needs {DOCUMENTED_PREAMBLE} in the preamble"
    )
    return "\n".join(
        [r"\documentclass{article}", DOCUMENTED_PREAMBLE, r"\begin{document}", fragment,
         r"\end{document}", ""]
    )  # fmt: skip


def assert_fits_the_page(log: str) -> None:
    """No line wider than the text (\\hbox) and no table taller than the page (\\vbox)."""
    assert "Overfull" not in log, log[log.index("Overfull") :][:500]


CASES = {
    "lecture graph": lambda: explain(
        evaluate_expression("(x + y) * z", {"x": 1, "y": -3, "z": 4}), format="latex"
    ),
    "x * x + x": lambda: explain(evaluate_expression("x * x + x", {"x": 3}), format="latex"),
    "every operation": lambda: explain(
        evaluate_expression(
            "x ** y / exp(x) - log(y) * sigmoid(x * y) + tanh(-x) / 2 ** x", {"x": 3, "y": 2}
        ),
        format="latex",
    ),
    "network 2,2,1": lambda: explain(Network([2, 2, 1], seed=0), [1.0, 0.0], 1.0, format="latex"),
    "network 3,4,3,2 softmax": lambda: explain(
        Network([3, 4, 3, 2], activation="elu", cost="log_likelihood", seed=1),
        [0.5, -1.0, 0.25],
        1,
        format="latex",
    ),
    "network 2,3,1 cross-entropy batch": lambda: explain(
        Network([2, 3, 1], activation="leaky_relu", output="sigmoid", cost="cross_entropy", seed=5),
        [[0.5, -1.0], [1.0, 2.0]],
        [1.0, 0.0],
        format="latex",
    ),
    # Two hidden layers: BP4's gradients are of order 1e-5, written with one power of ten.
    "network 2,3,3,1 cross-entropy batch": lambda: explain(
        Network(
            [2, 3, 3, 1], activation="leaky_relu", output="sigmoid", cost="cross_entropy", seed=5
        ),
        [[0.5, -1.0], [1.0, 2.0]],
        [1.0, 0.0],
        format="latex",
    ),
    "network 2,3,3,3,1 batch, taller than a page": lambda: explain(
        Network(
            [2, 3, 3, 3, 1], activation="leaky_relu", output="sigmoid", cost="cross_entropy",
            seed=5,
        ),
        [[0.5, -1.0], [1.0, 2.0]],
        [1.0, 0.0],
        format="latex",
    ),
    "greek and other names": lambda: explain(
        evaluate_expression(
            "αβ * x + Δ * é - Ω * λ + ϵ * ε",
            {"αβ": 2, "x": 3, "Δ": 1, "é": 4, "Ω": 2, "λ": 1, "ϵ": 1, "ε": 2},
        ),
        format="latex",
    ),
    "network 784,30,10": lambda: explain(
        Network([784, 30, 10], seed=0), [0.5] * 784, 3, format="latex"
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_fragment_compiles_with_the_documented_preamble_and_fits(case, tmp_path) -> None:
    fragment = CASES[case]()
    assert fragment.isascii()
    assert_fits_the_page(pdflatex(fragment_document(fragment), tmp_path))


def test_a_walk_through_taller_than_a_page_breaks_and_repeats_its_header(tmp_path) -> None:
    fragment = CASES["network 2,3,3,3,1 batch, taller than a page"]()
    log = pdflatex(fragment_document(fragment), tmp_path)
    assert_fits_the_page(log)
    pages = re.search(r"Output written on doc.pdf \((\d+) pages?", log)
    assert pages and int(pages[1]) == 2, log[-500:]
    assert fragment.count(r"\endhead") == 1  # the header is set again on the second page


def test_fragments_keep_the_chain_rule_lines() -> None:
    fragment = CASES["lecture graph"]()
    assert r"\begin{align*}" in fragment and r"\end{align*}" in fragment
    assert (
        r"\frac{\mathrm{d} f}{\mathrm{d} x} &= \frac{\mathrm{d} f}{\mathrm{d} \mathrm{n1}} \cdot "
        r"\frac{\partial \mathrm{n1}}{\partial x} = 4 \cdot 1 = 4"
    ) in fragment


def backprop_command(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "backprop", *args], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["explain", "x * x + x", "--values", "x=3"],
        ["explain", "--network", "2,3,2", "--activation", "tanh", "--output-activation",
         "softmax", "--cost", "log_likelihood"],
    ],
    ids=["expression", "network"],
)  # fmt: skip
def test_standalone_is_a_complete_document(args, tmp_path) -> None:
    tex = backprop_command(*args, "--format", "latex", "--standalone")
    assert tex.startswith(
        "\\documentclass{article}\n\\usepackage{amsmath,longtable}\n\\begin{document}\n"
    )
    assert tex.endswith("\\end{document}\n") and tex.isascii()
    assert_fits_the_page(pdflatex(tex, tmp_path))


def test_long_equations_break_between_equations_not_inside_brackets() -> None:
    from backprop.explain.network import _latex_lines

    batch = r"C = \frac{1}{m}\sum_x C_x,\ C_x = \max(0,\ 1 - y\, a^{2}),\ y = \pm 1"
    assert _latex_lines(batch) == [
        r"$C = \frac{1}{m}\sum_x C_x,$",
        r"$\quad C_x = \max(0,\ 1 - y\, a^{2}),\ y = \pm 1$",
    ]
    assert _latex_lines(r"C = \max(0,\ 1 - y\, a^{2}),\ y = \pm 1") == [
        r"$C = \max(0,\ 1 - y\, a^{2}),$",
        r"$\quad y = \pm 1$",
    ]
    assert _latex_lines(r"z^{1} = w^{1} a^{0} + b^{1}") == [r"$z^{1} = w^{1} a^{0} + b^{1}$"]


def test_small_and_large_arrays_share_one_power_of_ten() -> None:
    """The factor is the narrowest of the largest entry's power of ten and the two below it;
    each mantissa keeps exactly the digits of its entry."""
    bp4 = [[-9.261e-5, 0.000956], [-4.49e-7, -0.001018]]
    assert shared_exponent(bp4, 4) == -5
    assert latex_array(bp4, 4, 32) == (
        r"10^{-5} \cdot \begin{bmatrix} -9.261 & 95.6 \\ -0.0449 & -101.8 \end{bmatrix}"
    )
    assert latex_array([1e-5, 2.5e-5, -3.75e-5], 4, 32) == r"10^{-5} \cdot (1,\ 2.5,\ -3.75)^\top"
    activations = [[-0.013, -0.004286, -0.01534], [-0.01874, -0.002749, -0.0183]]
    assert latex_array(activations, 4, 32) == (
        r"10^{-3} \cdot \begin{bmatrix} -13 & -4.286 & -15.34 \\ -18.74 & -2.749 & -18.3 "
        r"\end{bmatrix}"
    )
    matrix = r"\begin{bmatrix} %s \end{bmatrix}"
    assert latex_array([[0.000956, 3e-9]], 4, 32) == r"10^{-6} \cdot " + matrix % "956 & 0.003"
    assert latex_array([[2.5e6, 1.25e5]], 4, 32) == r"10^{5} \cdot " + matrix % "25 & 1.25"


def test_mixed_plain_and_infinite_arrays_keep_their_own_notation() -> None:
    assert shared_exponent([[1.5, 2e-6]], 4) == 0
    assert latex_array([[1.5, 2e-6]], 4, 32) == (
        r"\begin{bmatrix} 1.5 & 2 \times 10^{-6} \end{bmatrix}"
    )
    assert latex_array([[0.05, 0.03]], 4, 32) == r"\begin{bmatrix} 0.05 & 0.03 \end{bmatrix}"
    assert latex_array([float("inf"), 1e-7], 4, 32) == r"(\infty,\ 1 \times 10^{-7})^\top"
    assert latex_array([[0.0, 0.0]], 4, 32) == r"\begin{bmatrix} 0 & 0 \end{bmatrix}"


def test_names_become_ascii_latex() -> None:
    assert [latex_character(c) for c in "αβΔΛλΑΡεϵφϕςοx"] == [
        r"\alpha", r"\beta", r"\Delta", r"\Lambda", r"\lambda", "A", "P", r"\varepsilon",
        r"\epsilon", r"\varphi", r"\phi", r"\varsigma", "o", "x",
    ]  # fmt: skip
    assert latex_character("é") == r"\langle\text{U+00E9}\rangle"
    assert latex_name("α") == r"\alpha"
    assert latex_name("αβ") == r"\mathrm{\alpha\beta}"
    assert latex_name("αx_1") == r"\mathrm{\alpha x\_1}"
    assert latex_name("é") == r"\langle\text{U+00E9}\rangle"
    assert latex_name("x_é") == r"\mathrm{x\_\langle\text{U+00E9}\rangle}"


def test_command_writes_greek_names_as_commands() -> None:
    tex = backprop_command("explain", "αβ * x", "--values", "αβ=2,x=3", "--format", "latex")
    assert tex.isascii() and r"$f = \mathrm{\alpha\beta} \cdot x$" in tex
