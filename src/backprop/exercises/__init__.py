"""Checkers for a student's own implementations of the course's equations.

Each ``check_*`` function runs the student's function on generated cases, compares every quantity
with the library's own computation and returns a :class:`CheckResult`: truthy when everything
matches; otherwise its text names the first wrong quantity, where it is (layer, row, entry), the
expected and received values and shapes, and a hint in the lectures' words. A function that
returns None is "not implemented yet"; one that raises is reported, never re-raised.

=========================  =====================================================  ==============
checker                    the student writes                                     module
=========================  =====================================================  ==============
``check_neuron``           ``fn(z, w, b) -> (a, g(a))``                           ``neuron``
``check_activation``       ``fn(z) -> g(z)``, ``derivative_fn(z) -> g'(z)``       ``neuron``
``check_loss``             ``fn(output, target) -> E``, ``grad_fn -> dE/d out``   ``losses``
``check_perceptron_rule``  ``update_fn(theta, X, y, alpha) -> theta``             ``perceptron``
``check_numerical_gradient`` ``fn(f, x, h) -> gradient``                          ``gradients``
``check_chain_rule``       ``fn(x, w, v, t) -> (dE/dh, dE/dw)``                   ``gradients``
``check_backprop``         ``fn(weights, biases, X, Y) -> (nabla_w, nabla_b)``    ``network``
=========================  =====================================================  ==============
"""

from .gradients import check_chain_rule, check_numerical_gradient
from .losses import LOSSES, check_loss
from .network import check_backprop
from .neuron import check_activation, check_neuron
from .perceptron import check_perceptron_rule
from .result import CheckResult

__all__ = [
    "LOSSES",
    "CheckResult",
    "check_activation",
    "check_backprop",
    "check_chain_rule",
    "check_loss",
    "check_neuron",
    "check_numerical_gradient",
    "check_perceptron_rule",
]
