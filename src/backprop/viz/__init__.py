"""Pictures of graphs, training and networks, written to PNG or SVG files (animations to GIF).

Every plotting function takes an output ``path`` whose suffix (.png or .svg) chooses the format
and returns that path as a ``pathlib.Path``. Figures are drawn on matplotlib ``Figure`` objects
with their own Agg canvas, never through pyplot: nothing pops up, no figure stays in memory and
matplotlib's global backend is left alone. matplotlib is imported only when a plot is drawn.

* :func:`graph_dot`, :func:`render_graph` -- the computational graph (Graphviz)
* :func:`plot_history` -- loss and accuracy curves
* :func:`plot_decision_boundary`, :func:`plot_decision_boundaries` -- predicted regions of 2-D
  data, for one model or several side by side; :func:`animate_decision_boundaries` -- the same
  as an animated GIF, one frame per model
* :func:`plot_threshold_units` -- perceptrons' decision lines over the gates' four inputs
* :func:`plot_activations` -- threshold, sigmoid, tanh, ReLU, linear and their derivatives
* :func:`plot_hidden_units` -- each hidden unit's weights as an image
* :func:`confusion_matrix`, :func:`format_confusion_matrix`, :func:`plot_confusion_matrix`
* :func:`plot_misclassified` -- a grid of wrongly classified images
* :func:`plot_functions`, :func:`plot_approximation` -- curves, the universal-approximation demo
"""

from .confusion import confusion_matrix, format_confusion_matrix, plot_confusion_matrix
from .graph import graph_dot, render_graph
from .plots import (
    activation_curves,
    animate_decision_boundaries,
    plot_activations,
    plot_approximation,
    plot_decision_boundaries,
    plot_decision_boundary,
    plot_functions,
    plot_hidden_units,
    plot_history,
    plot_misclassified,
)
from .threshold import ThresholdUnits, plot_threshold_units

__all__ = [
    "ThresholdUnits",
    "activation_curves",
    "animate_decision_boundaries",
    "confusion_matrix",
    "format_confusion_matrix",
    "graph_dot",
    "plot_activations",
    "plot_approximation",
    "plot_confusion_matrix",
    "plot_decision_boundaries",
    "plot_decision_boundary",
    "plot_functions",
    "plot_hidden_units",
    "plot_history",
    "plot_misclassified",
    "plot_threshold_units",
    "render_graph",
]
