"""A single neuron (seed 000): the pre-activation a = sum_i z_i w_i + b of an example neuron, the
threshold, sigmoid, tanh, ReLU and linear activations applied to it with their derivatives, and a
picture of all five curves and derivatives (activations.png).

Usage: python examples/01_neuron.py [OUTPUT_FOLDER]   (default backprop-out/neuron)
"""

import sys
from pathlib import Path

from backprop.demos import neuron

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/neuron")
    out.mkdir(parents=True, exist_ok=True)
    neuron.run(out)
