"""The checkers of backprop.exercises: every correct variant passes, every typical mistake gets
its own message (asserted by text), None is "not implemented yet" and an exception is reported."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.exercises import (
    check_activation,
    check_backprop,
    check_chain_rule,
    check_loss,
    check_neuron,
    check_numerical_gradient,
    check_perceptron_rule,
)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------- check_backprop
def student_backprop(mistake=None, dtype=np.float64, cost="quadratic"):
    """A student's batched BP1-BP4 (rows are examples), with one deliberate mistake."""

    def backprop(weights, biases, X, Y):
        A, Z = [X.astype(dtype)], [None]
        for l, (W, b) in enumerate(zip(weights, biases, strict=True), 1):
            z = A[-1] @ W.astype(dtype).T + b.astype(dtype).reshape(-1)
            Z.append(z)
            last = l == len(weights)
            A.append(softmax(z) if last and cost == "log_likelihood" else sigmoid(z))
        m, L = len(X), len(weights)
        a_L = A[-1]
        grad_a = 2 * (a_L - Y) if mistake == "factor 2" else a_L - Y
        if mistake == "sign":
            grad_a = -grad_a
        delta = grad_a if cost != "quadratic" else grad_a * a_L * (1 - a_L)
        if mistake == "no sigma' in BP1":
            delta = grad_a
        if mistake == "extra sigma' in BP1":
            delta = grad_a * a_L * (1 - a_L)
        nabla_w, nabla_b = [None] * L, [None] * L
        for l in range(L, 0, -1):
            div = 1 if mistake == "sum" else m
            nabla_b[l - 1] = delta.sum(axis=0) / div
            if mistake == "BP3 sums delta^2":
                nabla_b[l - 1] = (delta**2).sum(axis=0) / div
            if mistake == "per-example biases":
                nabla_b[l - 1] = delta
            a_prev = A[l - 1]
            if mistake == "a^l in BP4" and l == L:
                a_prev = A[l]
            if mistake == "z in BP4" and l == L:
                a_prev = Z[l - 1]
            nabla_w[l - 1] = delta.T @ a_prev / div
            if mistake == "transposed nabla_w":
                nabla_w[l - 1] = nabla_w[l - 1].T
            if l > 1:
                W = weights[l - 1].astype(dtype)
                delta = delta @ W.T if mistake == "not transposed" else delta @ W
                a = A[l - 1]
                if mistake == "sigma' at a":
                    prime = sigmoid(a) * (1 - sigmoid(a))
                elif mistake == "sigma' twice":
                    prime = (a * (1 - a)) ** 2
                else:
                    prime = a * (1 - a)
                if mistake != "no sigma' in BP2":
                    delta = delta * prime
                if mistake == "sign in BP2":
                    delta = -delta
        if mistake == "reversed lists":
            return nabla_w[::-1], nabla_b[::-1]
        return nabla_w, nabla_b

    return backprop


def nielsen_backprop(weights, biases, X, Y):
    """Nielsen's network.py style: one example at a time, column vectors, biases (n, 1)."""
    nabla_w = [np.zeros_like(w) for w in weights]
    nabla_b = [np.zeros_like(b) for b in biases]
    for x, y in zip(X, Y, strict=True):
        activation, activations, zs = x.reshape(-1, 1), [x.reshape(-1, 1)], []
        for b, w in zip(biases, weights, strict=True):
            z = w @ activation + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = (activations[-1] - y.reshape(-1, 1)) * sigmoid(zs[-1]) * (1 - sigmoid(zs[-1]))
        nabla_b[-1] += delta
        nabla_w[-1] += delta @ activations[-2].T
        for l in range(2, len(weights) + 1):
            sp = sigmoid(zs[-l]) * (1 - sigmoid(zs[-l]))
            delta = (weights[-l + 1].T @ delta) * sp
            nabla_b[-l] += delta
            nabla_w[-l] += delta @ activations[-l - 1].T
    m = len(X)
    return [w / m for w in nabla_w], [b / m for b in nabla_b]


def loop_backprop(weights, biases, X, Y):
    """Entry by entry, with the sums of BP2 and BP4 written as loops (biases (n,))."""
    L, m = len(weights), len(X)
    nabla_w = [np.zeros(w.shape) for w in weights]
    nabla_b = [np.zeros(len(b)) for b in biases]
    for x in range(m):
        a = [list(X[x])]
        for W, b in zip(weights, biases, strict=True):
            a.append(
                [
                    float(sigmoid(sum(W[j, k] * a[-1][k] for k in range(W.shape[1])) + b[j]))
                    for j in range(W.shape[0])
                ]
            )
        delta = [(a[L][j] - Y[x][j]) * a[L][j] * (1 - a[L][j]) for j in range(len(a[L]))]
        for l in range(L, 0, -1):
            for j in range(len(delta)):
                nabla_b[l - 1][j] += delta[j] / m
                for k in range(len(a[l - 1])):
                    nabla_w[l - 1][j, k] += a[l - 1][k] * delta[j] / m
            if l > 1:
                W = weights[l - 1]
                delta = [
                    sum(W[j, k] * delta[j] for j in range(len(delta)))
                    * a[l - 1][k]
                    * (1 - a[l - 1][k])
                    for k in range(W.shape[1])
                ]
    return nabla_w, nabla_b


@pytest.mark.parametrize(
    "fn, options",
    [
        (student_backprop(), {}),
        (student_backprop(dtype=np.float32), {}),
        (nielsen_backprop, {"bias": "column"}),
        (loop_backprop, {}),
        (student_backprop(cost="cross_entropy"), {"cost": "cross_entropy"}),
        (student_backprop(cost="log_likelihood"), {"cost": "log_likelihood"}),
    ],
    ids=["matrices", "float32", "nielsen-columns", "loops", "cross-entropy", "log-likelihood"],
)
def test_check_backprop_passes_correct_variants(fn, options):
    result = check_backprop(fn, **options)
    assert result, str(result)
    assert result.status == "correct"
    assert str(result).startswith("BP1–BP4 correct: every δ^l, ∂C/∂b^l and ∂C/∂w^l matches")


BACKPROP_MISTAKES = {
    "no sigma' in BP2": (
        "δ^2 is wrong in every row by a factor of σ'(z^2): BP2 multiplies by σ'(z^l)"
    ),
    "no sigma' in BP1": (
        "δ^3 is wrong in every row by a factor of σ'(z^3): BP1 multiplies by σ'(z^L)"
    ),
    "sigma' twice": "δ^2 has an extra factor of σ'(z^2) in every row: σ' is applied twice",
    "sigma' at a": "δ^2 uses σ'(a^2) where BP2 takes σ'(z^2)",
    "not transposed": "δ^2 uses w^3 δ^3 where BP2 takes (w^3)^T δ^3",
    "sign": "δ^3 has the wrong sign in every row",
    "sign in BP2": "δ^2 has the wrong sign in every row",
    "factor 2": "δ^3 is 2 times the expected value in every row: the quadratic cost",
    "sum": "∂C/∂b^3 is m = 4 times too large: a sum over the batch where the mean was meant",
    "a^l in BP4": "∂C/∂w^3 uses a^3 where BP4 takes a^2, the activation of the layer below",
    "z in BP4": "∂C/∂w^3 uses z^2 where BP4 takes the activation a^2 = σ(z^2)",
    "BP3 sums delta^2": "∂C/∂b^3 is wrong although ∂C/∂w^3 is right (one example at a time)",
    "reversed lists": (
        "nabla_w and nabla_b run from layer L down to layer 1; nabla_w[0] should be ∂C/∂w^1"
    ),
    "per-example biases": "∂C/∂b^3 has shape (4, 3), but b^3 has 3 entries",
}


@pytest.mark.parametrize("mistake", BACKPROP_MISTAKES)
def test_check_backprop_names_each_mistake(mistake):
    result = check_backprop(student_backprop(mistake))
    assert not result
    assert result.status == "wrong"
    assert str(result).startswith(BACKPROP_MISTAKES[mistake]), str(result)
    assert "hint: " in str(result)


def test_check_backprop_headline_message_locates_the_entry():
    result = check_backprop(student_backprop("no sigma' in BP2"))
    text = str(result)
    assert result.message == (
        "δ^2 is wrong in every row by a factor of σ'(z^2): BP2 multiplies by σ'(z^l)"
    )
    assert "first difference: layer 2, example (row) 0, entry 0: expected " in text
    assert "(shape (4, 3))" in text
    assert "hint: BP2: δ^l = ((w^{l+1})^T δ^{l+1}) ⊙ σ'(z^l)" in text
    markdown = result._repr_markdown_()
    assert markdown.startswith("❌ **δ^2 is wrong in every row by a factor of σ'(z^2)")
    assert "*Hint:* BP2" in markdown


def test_check_backprop_hints_name_the_equation_of_the_layer():
    assert check_backprop(student_backprop("sign")).hint.startswith("BP1 starts from ∇_a C")
    assert check_backprop(student_backprop("sign in BP2")).hint.startswith("BP2: δ^l = ")
    assert check_backprop(student_backprop("sum")).hint.endswith(": ∂C/∂b^l = (1/m) Σ_x δ^{x,l}")


def test_markdown_shows_the_lectures_subscripts_literally():
    result = check_backprop(student_backprop("a^l in BP4"))
    assert "hint: BP4: ∂C/∂w^l_jk = a^{l-1}_k δ^l_j" in str(result)
    assert "*Hint:* BP4: ∂C/∂w^l\\_jk = a^{l-1}\\_k δ^l\\_j" in result._repr_markdown_()


def test_check_backprop_transposed_gradient_shape():
    result = check_backprop(student_backprop("transposed nabla_w"))
    # The all-square network cannot tell a transposed gradient by shape, but by value.
    assert result.message == "∂C/∂w^3 is transposed: BP4's entry (j, k) is a^2_k δ^3_j"


def test_check_backprop_not_implemented_and_raising():
    result = check_backprop(lambda weights, biases, X, Y: None)
    assert not result and result.status == "not implemented"
    assert result.message == "your backprop is not implemented yet: it returned None"

    def broken(weights, biases, X, Y):
        return np.ones((2, 3)) @ np.ones((2, 3))

    result = check_backprop(broken)
    assert not result and result.status == "error"
    assert result.message.startswith("your backprop raised ValueError: matmul: ")
    assert "shapes do not fit" in result.hint


def test_check_backprop_wrong_return_structure():
    result = check_backprop(lambda weights, biases, X, Y: weights)
    assert result.message == (
        "your backprop should return (nabla_w, nabla_b), two lists with one array per layer"
    )
    assert result.details == ("received: list of length 3",)
    result = check_backprop(lambda weights, biases, X, Y: ([0.0], [0.0]))
    assert result.message == "nabla_w should hold L = 3 arrays, one per layer l = 1..3; received 1"


# ---------------------------------------------------------------------- neuron and activations
def test_check_neuron():
    assert check_neuron(lambda z, w, b: (z @ w + b, sigmoid(z @ w + b)))
    assert check_neuron(
        lambda z, w, b: (sum(zi * wi for zi, wi in zip(z, w, strict=True)) + b, np.tanh(z @ w + b)),
        activation="tanh",
    )
    cases = {
        "a is missing the bias b": lambda z, w, b: (z @ w, sigmoid(z @ w)),
        "a subtracts the bias b instead of adding it": lambda z, w, b: (z @ w - b, 0.0),
        "a should be one number, but it has shape (3,)": lambda z, w, b: (z * w + b, 0.0),
        "the output is a itself: no activation is applied": lambda z, w, b: (z @ w + b,) * 2,
        "the output applies tanh, but this neuron's g is the sigmoid": (
            lambda z, w, b: (z @ w + b, np.tanh(z @ w + b))
        ),
        "your neuron should return two numbers: (a, g(a))": lambda z, w, b: z @ w + b,
    }
    for message, fn in cases.items():
        result = check_neuron(fn)
        assert not result and result.message == message, str(result)
    assert check_neuron(lambda z, w, b: None).status == "not implemented"


@pytest.mark.parametrize(
    "name, g, prime",
    [
        ("sigmoid", sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
        ("tanh", np.tanh, lambda z: 1 - np.tanh(z) ** 2),
        ("relu", lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
        ("step", lambda z: (z > 0) * 1.0, lambda z: np.zeros_like(z)),
        ("sigmoid", lambda z: sigmoid(z.astype(np.float32)), None),
    ],
)
def test_check_activation_passes(name, g, prime):
    result = check_activation(name, g, prime)
    assert result, str(result)


def test_check_activation_mistakes():
    cases = [
        (
            "sigmoid",
            lambda z: 1 / (1 + np.exp(z)),
            None,
            "g(z) is sigmoid(−z): check the sign inside",
        ),
        ("sigmoid", np.tanh, None, "g(z) is tanh, not sigmoid"),
        (
            "sigmoid",
            sigmoid,
            lambda z: z * (1 - z),
            "g'(z) applies the output form (a (1 - a)) to z",
        ),
        ("tanh", np.tanh, lambda z: 1 - z**2, "g'(z) applies the output form (1 - a^2) to z"),
        ("sigmoid", sigmoid, sigmoid, "g'(z) returns g(z) itself, not its derivative"),
        ("relu", lambda z: max(z, 0), None, "your ReLU raised ValueError: The truth value"),
        ("sigmoid", lambda z: sigmoid(z).sum(), None, "g(z) should have the shape of z, (2, 4)"),
        (
            "sigmoid",
            lambda z: sigmoid(z) + (z > 2),
            None,
            "g(z) is wrong at z = 3: expected 0.952574",
        ),
    ]
    for name, g, prime, message in cases:
        result = check_activation(name, g, prime)
        assert not result and result.message.startswith(message), str(result)
    result = check_activation("relu", lambda z: max(z, 0))
    assert "np.maximum" in result.hint


# ---------------------------------------------------------------------- losses
LOSS_SOLUTIONS = {
    "quadratic": (
        lambda a, y: ((a - y) ** 2).sum() / (2 * len(a)),
        lambda a, y: (a - y) / len(a),
    ),
    "cross_entropy": (
        lambda p, y: -(y * np.log(p)).sum() / len(p),
        lambda p, y: -y / (len(p) * p),
    ),
    "softmax_nll": (
        lambda z, y: -(np.log(softmax(z)) * (y + 1) / 2).sum(),
        lambda z, y: softmax(z) - (y + 1) / 2,
    ),
    "bce": (
        lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p)).sum(),
        lambda p, t: (p - t) / (p * (1 - p)),
    ),
    "hinge": (
        lambda s, y: np.maximum(0, 1 - y * s).sum(),
        lambda s, y: np.where(y * s < 1, -y, 0.0),
    ),
}


@pytest.mark.parametrize("name", LOSS_SOLUTIONS)
def test_check_loss_passes(name):
    E, grad = LOSS_SOLUTIONS[name]
    assert check_loss(name, E, grad)
    result = check_loss(
        name,
        lambda o, t: E(o.astype(np.float32), t.astype(np.float32)),
        lambda o, t: grad(o.astype(np.float32), t.astype(np.float32)),
    )
    assert result, str(result)


LOSS_MISTAKES = [
    (
        "quadratic",
        lambda a, y: ((a - y) ** 2).sum() / 2,
        None,
        "E is n = 4 times too large: a sum over the examples where the mean was meant",
    ),
    (
        "quadratic",
        lambda a, y: ((a - y) ** 2).sum() / len(a),
        None,
        "E is twice the quadratic cost: C_x = ½‖y − a‖² keeps the ½",
    ),
    (
        "quadratic",
        None,
        lambda a, y: a - y,
        "the gradient is n = 4 times too large: the loss averages over the examples",
    ),
    ("quadratic", None, lambda a, y: (y - a) / len(a), None),
    (
        "cross_entropy",
        lambda p, y: (y * np.log(p)).sum() / len(p),
        None,
        "E has the wrong sign: the loss is the *negative* log-likelihood",
    ),
    (
        "softmax_nll",
        lambda z, y: -(np.log(softmax(z)) * (y + 1) / 2).sum() / len(z),
        None,
        "E is n = 4 times too small: a mean over the examples where the sum was meant",
    ),
    (
        "softmax_nll",
        lambda z, y: -(np.log(softmax(z)) * y).sum(),
        None,
        "E weights ln p_c by the codes y_c = ±1; the lecture weights by (y_c + 1)/2",
    ),
    (
        "softmax_nll",
        None,
        lambda z, y: softmax(z) - y,
        "the gradient uses the codes y_c = ±1 directly",
    ),
    (
        "bce",
        None,
        lambda p, t: p - t,
        "the gradient is y − t, the derivative with respect to the score s",
    ),
    (
        "hinge",
        None,
        lambda s, y: -y,
        "the gradient is −y_i everywhere; max(0, ·) makes it 0 where the margin is met",
    ),
    (
        "hinge",
        None,
        lambda s, y: np.where(y * s < 1, -y, 0.0)[:, None],
        "the gradient should have the output's shape (4,); received (4, 1)",
    ),
]


@pytest.mark.parametrize("name, E, grad, message", LOSS_MISTAKES)
def test_check_loss_mistakes(name, E, grad, message):
    right_E, right_grad = LOSS_SOLUTIONS[name]
    result = check_loss(name, E or right_E, grad or right_grad)
    assert not result
    if message is None:  # the sign of the gradient
        message = "the gradient has the wrong sign (it points uphill)"
    assert result.message.startswith(message), str(result)
    assert "hint: " in str(result)


def test_check_loss_not_implemented_and_unknown():
    assert check_loss("bce", lambda p, t: None).message == (
        "your bce loss is not implemented yet: it returned None"
    )
    with pytest.raises(ValueError, match="unknown loss 'mse'; choose one of quadratic"):
        check_loss("mse", lambda p, t: 0.0)


# ---------------------------------------------------------------------- perceptron
def perceptron_step(theta, X, y, alpha):
    M = y * (X @ theta) <= 0
    return theta + alpha * (y[M] @ X[M])


def perceptron_loop(theta, X, y, alpha):
    step = np.zeros_like(theta)
    for x_n, y_n in zip(X, y, strict=True):
        if y_n * np.dot(theta, x_n) <= 0:
            step += y_n * x_n
    return theta + alpha * step


def test_check_perceptron_rule():
    assert check_perceptron_rule(perceptron_step)
    assert check_perceptron_rule(perceptron_loop)

    def online(theta, X, y, alpha):
        theta = theta.copy()
        for x_n, y_n in zip(X, y, strict=True):
            if y_n * (x_n @ theta) <= 0:
                theta += alpha * y_n * x_n
        return theta

    cases = {
        "θ^T x = 0 counts as correct in your rule": (
            lambda t, X, y, a: t + a * (y[y * (X @ t) < 0] @ X[y * (X @ t) < 0])
        ),
        "the step sums over every example": lambda t, X, y, a: t + a * (y @ X),
        "the step adds x_n without the label y_n": (
            lambda t, X, y, a: t + a * X[y * (X @ t) <= 0].sum(axis=0)
        ),
        "the step has the wrong sign": lambda t, X, y, a: (
            t - a * (y[y * (X @ t) <= 0] @ X[y * (X @ t) <= 0])
        ),
        "the step forgets the learning rate α": (
            lambda t, X, y, a: t + (y[y * (X @ t) <= 0] @ X[y * (X @ t) <= 0])
        ),
        "θ is updated after each example (the online rule)": online,
        "θ should have shape (3,) (bias first); received (2,)": lambda t, X, y, a: t[1:],
    }
    for message, fn in cases.items():
        result = check_perceptron_rule(fn)
        assert not result and result.message.startswith(message), str(result)


# ---------------------------------------------------------------------- gradients
def central(f, x, h):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + h
        plus = f(x)
        x[i] = saved - h
        minus = f(x)
        x[i] = saved
        grad[i] = (plus - minus) / (2 * h)
    return grad


def central_copies(f, x, h):
    flat = x.reshape(-1)
    grad = []
    for i in range(flat.size):
        e = np.zeros(flat.size)
        e[i] = h
        grad.append((f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * h))
    return np.array(grad).reshape(x.shape)


def test_check_numerical_gradient():
    for fn in (central, central_copies):
        result = check_numerical_gradient(fn)
        assert result, str(result)
        assert "h = 1e-05: largest error" in str(result)

    def forward(f, x, h):
        grad = np.zeros_like(x)
        f0 = f(x)
        for i in np.ndindex(x.shape):
            x[i] += h
            grad[i] = (f(x) - f0) / h
            x[i] -= h
        return grad

    def no_restore(f, x, h):
        for i in np.ndindex(x.shape):
            x[i] += h
        return np.zeros_like(x)

    cases = {
        "this is the one-sided difference (f(x + h e_i) − f(x)) / h": forward,
        "the difference is divided by h": lambda f, x, h: central(f, x, h) * 2,
        "every entry is the same number: x moved in all coordinates at once": (
            lambda f, x, h: np.full_like(x, (f(x + h) - f(x - h)) / (2 * h))
        ),
        "your function changed x": no_restore,
        "the gradient should have the shape of x, (2, 3); received (6,)": (
            lambda f, x, h: central(f, x, h).reshape(-1)
        ),
    }
    for message, fn in cases.items():
        result = check_numerical_gradient(fn)
        assert not result and result.message.startswith(message), str(result)


def chain(x, w, v, t):
    h = np.tanh(w * x)
    dE_dh = np.sum((v * h - t) * v)
    return dE_dh, dE_dh * (1 - h**2) * x


def test_check_chain_rule():
    assert check_chain_rule(chain)
    cases = {
        "∂E/∂h counts only the path through o_1": lambda x, w, v, t: (
            ((v * np.tanh(w * x) - t) * v)[0],
            0.0,
        ),
        "∂E/∂h averages the three paths; the chain rule sums them": lambda x, w, v, t: (
            chain(x, w, v, t)[0] / 3,
            0.0,
        ),
        "∂E/∂w is missing the factor tanh'(w x) = 1 − h²": lambda x, w, v, t: (
            chain(x, w, v, t)[0],
            chain(x, w, v, t)[0] * x,
        ),
        "∂E/∂w is missing the factor x = ∂(w x)/∂w": lambda x, w, v, t: (
            chain(x, w, v, t)[0],
            chain(x, w, v, t)[0] * (1 - np.tanh(w * x) ** 2),
        ),
    }
    for message, fn in cases.items():
        result = check_chain_rule(fn)
        assert not result and result.message.startswith(message), str(result)
    result = check_chain_rule(lambda x, w, v, t: 1 / 0)
    assert result.status == "error" and result.message == (
        "your chain rule raised ZeroDivisionError: division by zero"
    )
