"""A single neuron (seed 000): the pre-activation a = sum_i z_i w_i + b, the output z = g(a) for
the lecture's activations g, and their derivatives g'(a) from the engine's backward pass.

    python examples/01_neuron.py [FOLDER]

draws activations.png into FOLDER (default backprop-out/neuron).
"""

import sys
from pathlib import Path

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/neuron")

# Inputs z_i, weights w_i and the bias b, each a node of the graph.
z = [bp.Value(1.0, "z1"), bp.Value(-2.0, "z2"), bp.Value(0.5, "z3")]
w = [bp.Value(0.8, "w1"), bp.Value(0.3, "w2"), bp.Value(-1.2, "w3")]
b = bp.Value(0.9, "b")
a = z[0] * w[0] + z[1] * w[1] + z[2] * w[2] + b  # the linear part
print(f"pre-activation a = sum_i z_i w_i + b = {a.data:g}\n")

# The output z = g(a). backward() from g(a) leaves dg/da, that is g'(a), in the input's .grad.
activations = {
    "threshold [a > 0]": bp.Value.step,
    "sigmoid 1/(1 + exp(-a))": bp.Value.sigmoid,
    "tanh": bp.Value.tanh,
    "ReLU max(0, a)": bp.Value.relu,
}
print(f"{'g':<24} {'g(a)':>8} {'g_prime(a)':>11}")
for name, g in activations.items():
    a_node = bp.Value(a.data, "a")  # a fresh leaf, so each derivative starts from zero
    output = g(a_node)
    output.backward()
    print(f"{name:<24} {output.data:>8.4f} {a_node.grad:>11.4f}")
print("(the threshold's derivative is 0: no gradient flows through it, so it cannot be trained)")

picture = bp.viz.plot_activations(out / "activations.png")  # g(a) above, g'(a) below
print(f"\nwrote {picture}")
