"""explain.tables.render_table: the one table renderer, as text, Markdown and LaTeX."""

from __future__ import annotations

import pytest

from backprop.explain import render_table
from backprop.explain.format import latex_escape
from backprop.explain.tables import FORMATS, check_format

HEADERS = ["name", "value", "note"]
ROWS = [["x", -8, "leaf"], ["my_var", 0.25, "a | b"]]


def test_text_pads_every_column_to_its_widest_cell_left_aligned_by_default():
    assert render_table(HEADERS, ROWS) == (
        "name    value  note\n------  -----  -----\nx       -8     leaf\nmy_var  0.25   a | b"
    )


def test_text_aligns_right_and_centre_and_drops_trailing_spaces():
    table = render_table(["k", "value", "mid"], [[1, "2.5", "a"], [32, "-1", "bcd"]], align="rrc")
    assert table == (" k  value  mid\n--  -----  ---\n 1    2.5   a\n32     -1  bcd")


def test_markdown_escapes_pipes_and_line_breaks_and_marks_alignment():
    assert render_table(HEADERS, ROWS, "markdown") == (
        "| name | value | note |\n"
        "|---|---|---|\n"
        "| x | -8 | leaf |\n"
        r"| my_var | 0.25 | a \| b |"
    )
    table = render_table(["a", "b", "c"], [["1", "two\nlines", "3"]], "markdown", align="lrc")
    assert table == "| a | b | c |\n|---|--:|:-:|\n| 1 | two lines | 3 |"


def test_latex_is_a_tabular_with_the_alignment_as_column_spec_and_cells_as_given():
    rows = [
        [f"${name}$" if len(name) == 1 else latex_escape(name), str(v), latex_escape(note)]
        for name, v, note in [("x", -8, "leaf"), ("my_var", 0.25, "50% & #1")]
    ]
    assert render_table(HEADERS, rows, "latex", align="lrl") == (
        "\\begin{tabular}{lrl}\n"
        "\\hline\n"
        "name & value & note \\\\\n"
        "\\hline\n"
        "$x$ & -8 & leaf \\\\\n"
        "my\\_var & 0.25 & 50\\% \\& \\#1 \\\\\n"
        "\\hline\n"
        "\\end{tabular}"
    )
    # Without an alignment every column is "l".
    assert render_table(["a", "b"], [], "latex").startswith("\\begin{tabular}{ll}\n")


def test_a_header_with_no_rows_is_still_a_table():
    assert render_table(["a", "bb"], []) == "a  bb\n-  --"
    assert render_table(["a", "bb"], [], "markdown") == "| a | bb |\n|---|---|"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"format": "html"}, "unknown format 'html'; valid formats: 'text', 'markdown', 'latex'"),
        ({"align": "lr"}, "align needs one of l, r, c per column (3)"),
        ({"align": "lrx"}, "align needs one of l, r, c per column (3)"),
    ],
)
def test_bad_format_or_alignment_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        render_table(HEADERS, ROWS, **kwargs)


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError):
        render_table(HEADERS, [["only", "two"]])


def test_check_format_returns_a_valid_format():
    assert [check_format(f) for f in FORMATS] == ["text", "markdown", "latex"]
