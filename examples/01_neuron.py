"""A single neuron (seed 000): the pre-activation a = sum_i z_i w_i + b of an example neuron, the
threshold, sigmoid, tanh, ReLU and linear activations applied to it with their derivatives, and a
picture of all five curves and derivatives (activations.png).

Usage: python examples/01_neuron.py [FOLDER [EPOCHS]]
(pictures in FOLDER/neuron, default backprop-out/neuron; EPOCHS overrides the
epochs of a demo that trains). The same as `backprop demo neuron`.
"""

from backprop.demos import main

if __name__ == "__main__":
    raise SystemExit(main("neuron"))
