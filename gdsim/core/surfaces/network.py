"""A multilayer perceptron trained on a small data set: gdsim's real neural network.

θ is the flat vector of every weight and bias, layer after layer: for layer ℓ (1-based) with
``a`` inputs and ``b`` units, first its weights ``W_ℓ`` (``a × b``, row-major, named
``wℓ_i_j`` for input i → unit j) and then its biases ``b_ℓ`` (named ``bℓ_j``). The last layer
has one linear unit, the output z. Loss, per example:

- classification (labels y ∈ {0, 1}): binary cross-entropy of the sigmoid output,
  l = −y·log σ(z) − (1 − y)·log(1 − σ(z)) = softplus(z) − y·z, so ∂l/∂z = σ(z) − y;
- regression (``wave``): squared error l = (z − y)², so ∂l/∂z = 2(z − y)
  (the same convention as the other data surfaces).

L(θ) = 1/N Σᵢ lᵢ. The gradient is backpropagation written out layer by layer, as in the seeds:
the forward pass stores each layer's pre-activation and activation, the backward pass carries
δ = ∂L/∂z from the output back through each layer (δ_ℓ = (δ_{ℓ+1} W_{ℓ+1}ᵀ) ⊙ φ'(z_ℓ)) and
reads the weight gradients off as outer products (∂L/∂W_ℓ = h_{ℓ−1}ᵀ δ_ℓ, ∂L/∂b_ℓ = Σ δ_ℓ).
Everything is batched over runs: ``theta`` ``(M, P)`` and inputs ``(B, d)`` give activations
``(M, B, width)``; no per-example gradient ``(M, B, P)`` is ever formed.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from gdsim.core.datasets import CLASSIFICATION, DATASETS
from gdsim.core.params import ParamSpec
from gdsim.core.surfaces.base import Surface

MAX_LAYERS = 4
MAX_WIDTH = 32

DATASET = ParamSpec(
    "dataset", "circles", "The data set: circles, xor, moons, spiral, blobs (two classes) or "
    "wave (regression on one input).", kind="choice", choices=tuple(DATASETS), label="Data set")
HIDDEN = ParamSpec(
    "hidden", (8, 8), f"Hidden layer sizes, e.g. 8,8 (up to {MAX_LAYERS} layers of up to "
    f"{MAX_WIDTH} units).", kind="ints", low=1, high=MAX_WIDTH, max_items=MAX_LAYERS,
    label="Hidden layers")
ACTIVATION = ParamSpec(
    "activation", "tanh", "The hidden units' activation φ: tanh, relu or sigmoid.",
    kind="choice", choices=("tanh", "relu", "sigmoid"), label="Activation φ")
NETWORK_N = ParamSpec("n_examples", 200, "Number of data points N (2–5000).", kind="int",
                      low=2, high=5000, ui_high=1000, label="Examples N")
NETWORK_NOISE = ParamSpec("noise", 0.1, "Standard deviation of the jitter added to the "
                          "inputs (classification) or targets (wave), 0–1.", low=0.0, high=1.0,
                          label="Input noise σ")

# Elements per block of (runs × examples × width) in full-batch evaluations: temporaries stay in
# cache and are recycled (a 51×51 landscape over 500 points is 2,601 × 500 × 8 per layer).
_BLOCK = 1 << 18
# Activations per block of grid points in Network.plane_loss (measured best near this size).
_PLANE_BLOCK = 1 << 18


@dataclass(frozen=True)
class Layer:
    """Where one layer's weights and biases sit in θ."""

    fan_in: int
    fan_out: int
    w: slice  # W_ℓ, flattened row-major (fan_in × fan_out)
    b: slice  # b_ℓ (fan_out)


def _activation(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """φ(z) and φ'(z)."""
    if name == "tanh":
        h = np.tanh(z)
        return h, 1.0 - h * h
    if name == "relu":
        return np.maximum(z, 0.0), (z > 0.0).astype(z.dtype)
    h = np.exp(-np.logaddexp(0.0, -z))  # σ(z), never overflows
    return h, h * (1.0 - h)


_WORKSPACE = threading.local()


def _workspace(slot: int, size: int, dtype: type) -> np.ndarray:
    """A flat scratch array of at least ``size`` elements, kept per thread and reused.

    Network.plane_loss's blocks (about a megabyte) would otherwise be fresh pages from the
    system on every call (glibc maps allocations this large and unmaps them when freed, so
    each use pays page faults); measured: a 51 × 51 slice 31 ms with fresh buffers, 15 ms
    with these."""
    cache: dict[tuple[int, np.dtype], np.ndarray] = _WORKSPACE.__dict__.setdefault("cache", {})
    key = (slot, np.dtype(dtype))
    array = cache.get(key)
    if array is None or array.size < size:
        array = cache[key] = np.empty(size, dtype)
    return array[:size]


def _activate(name: str, z: np.ndarray) -> None:
    """φ(z) in place (forward only: the loss on a plane needs no slopes)."""
    if name == "tanh":
        np.tanh(z, out=z)
    elif name == "relu":
        np.maximum(z, 0.0, out=z)
    else:  # σ(z) = (1 + tanh(z/2))/2: exact, never overflows, and tanh is fast
        z *= 0.5
        np.tanh(z, out=z)
        z *= 0.5
        z += 0.5


def _mean_loss(z: np.ndarray, sign: np.ndarray | None, target: np.ndarray | None,
               t: np.ndarray) -> np.ndarray:
    """The mean over the last axis of the per-example loss for outputs ``z`` ``(g, N)``
    (overwritten; ``t`` is scratch of the same shape): softplus(sign·z) (binary cross-entropy,
    ``sign`` = 1 − 2y) or (z − y)²."""
    if sign is not None:
        z *= sign
        np.abs(z, out=t)
        np.negative(t, out=t)
        np.exp(t, out=t)
        np.log1p(t, out=t)
        np.maximum(z, 0.0, out=z)
        z += t  # softplus(s) = max(s, 0) + log(1 + e^−|s|)
    else:
        z -= target
        z *= z
    return z.mean(axis=-1, dtype=np.float64)


def layout(input_dim: int, hidden: tuple[int, ...]) -> tuple[Layer, ...]:
    """The layers of an ``input_dim``-``hidden``-1 network and their places in θ."""
    sizes = (input_dim, *hidden, 1)
    layers, offset = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        w = slice(offset, offset + fan_in * fan_out)
        b = slice(w.stop, w.stop + fan_out)
        layers.append(Layer(fan_in, fan_out, w, b))
        offset = b.stop
    return tuple(layers)


def parameter_names(layers: tuple[Layer, ...]) -> tuple[str, ...]:
    """``w1_0_0, w1_0_1, …, b1_0, …``: layer (1-based), input index, unit index."""
    names: list[str] = []
    for number, layer in enumerate(layers, start=1):
        names += [f"w{number}_{i}_{j}" for i in range(layer.fan_in) for j in range(layer.fan_out)]
        names += [f"b{number}_{j}" for j in range(layer.fan_out)]
    return tuple(names)


class Network(Surface):
    """A multilayer perceptron on a small 2-D data set, trained by backpropagation.

    Parameters ``dataset``, ``hidden`` (layer sizes), ``activation``, ``n_examples`` and
    ``noise``. The start is a seeded initialisation: Glorot-uniform weights for tanh and
    sigmoid (U(±√(6/(fan_in + fan_out)))), He-normal for relu (N(0, 2/fan_in)), zero biases.
    """

    name = "network"
    title = "Neural network"
    formula = "1/N Σ l(f_θ(xᵢ), yᵢ)"
    summary = ("A multilayer perceptron on a 2-D data set (circles, xor, moons, spiral, blobs; "
               "wave for regression); θ holds every weight and bias.")
    specs = (DATASET, HIDDEN, ACTIVATION, NETWORK_N, NETWORK_NOISE)
    data_driven: ClassVar[bool] = False  # its data view is the decision map, not a 1-D fit
    log_scale = True
    lrs: ClassVar[Mapping[str, float]] = {
        "gd": 0.5, "momentum": 0.1, "adagrad": 0.1, "rmsprop": 0.005, "adadelta": 1.0,
        "adam": 0.02,
    }
    # Class-level description for listings (the default architecture); instances replace these.
    param_names: tuple[str, ...] = parameter_names(layout(2, HIDDEN.default))  # type: ignore
    view = tuple((-3.0, 3.0) for _ in param_names)
    default_start = tuple(0.0 for _ in param_names)

    def __init__(self, seed: int = 0, **params: Any) -> None:
        super().__init__(seed, **params)
        self.dataset: str = self.params["dataset"]
        self.classification = self.dataset in CLASSIFICATION
        generate = DATASETS[self.dataset]
        data_rng, init_rng = (np.random.default_rng(s) for s in self._rng_seed.spawn(2))
        self.x, self.y = generate(data_rng, self.n_examples, float(self.params["noise"]))
        self.input_dim = self.x.shape[1]
        self.hidden: tuple[int, ...] = tuple(self.params["hidden"])
        self.layers = layout(self.input_dim, self.hidden)
        self.param_names = parameter_names(self.layers)  # type: ignore[misc]
        self.view = tuple((-3.0, 3.0) for _ in self.param_names)  # type: ignore[misc]
        self.default_start = tuple(self.initial_theta(init_rng))  # type: ignore[misc]

    @classmethod
    def param_names_for(cls, params: Mapping[str, Any]) -> tuple[str, ...]:
        """θ's component names for the given surface parameters, without building the data."""
        resolved = {s.name: s.validate(params[s.name]) if s.name in params else s.default
                    for s in cls.specs}
        input_dim = 2 if resolved["dataset"] in CLASSIFICATION else 1
        return parameter_names(layout(input_dim, tuple(resolved["hidden"])))

    @property
    def activation(self) -> str:
        return str(self.params["activation"])

    def initial_theta(self, rng: np.random.Generator) -> np.ndarray:
        """A Glorot (tanh, sigmoid) or He (relu) initialisation, shape ``(P,)``."""
        theta = np.zeros(len(self.param_names))
        for layer in self.layers:
            if self.activation == "relu":
                w = rng.normal(0.0, np.sqrt(2.0 / layer.fan_in), layer.fan_in * layer.fan_out)
            else:
                limit = np.sqrt(6.0 / (layer.fan_in + layer.fan_out))
                w = rng.uniform(-limit, limit, layer.fan_in * layer.fan_out)
            theta[layer.w] = w
        return theta

    # --- the model ---------------------------------------------------------------------------
    def _weights(self, theta: np.ndarray, layer: Layer) -> tuple[np.ndarray, np.ndarray]:
        """W ``(M, fan_in, fan_out)`` and b ``(M, 1, fan_out)`` as views of θ ``(M, P)``."""
        m = theta.shape[0]
        return (theta[:, layer.w].reshape(m, layer.fan_in, layer.fan_out),
                theta[:, layer.b].reshape(m, 1, layer.fan_out))

    def forward(self, theta: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, list, list]:
        """The output z ``(M, B)`` and, per hidden layer, h and φ'(z) ``(M, B, width)``."""
        h: np.ndarray = x  # (B, d), broadcast against (M, d, width) by matmul
        activations, slopes = [], []
        for layer in self.layers[:-1]:
            w, b = self._weights(theta, layer)
            h, slope = _activation(self.activation, np.matmul(h, w) + b)
            activations.append(h)
            slopes.append(slope)
        w, b = self._weights(theta, self.layers[-1])
        return (np.matmul(h, w) + b)[..., 0], activations, slopes

    def _example_losses(self, z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-example losses l and ∂l/∂z, both ``(M, B)``."""
        if self.classification:
            loss = np.logaddexp(0.0, z) - y * z  # softplus(z) − y·z, stable for any z
            return loss, np.exp(-np.logaddexp(0.0, -z)) - y  # σ(z) − y
        r = z - y
        return r * r, 2.0 * r

    def predict(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The network's output for inputs ``x`` ``(B, d)`` at ``theta`` ``(M, P)``: ``(M, B)``.

        Classification: the probability σ(z) of class 1; regression: z itself.
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        with np.errstate(over="ignore", invalid="ignore"):
            z = self.forward(theta, np.asarray(x, dtype=float))[0]
            return np.exp(-np.logaddexp(0.0, -z)) if self.classification else z

    def accuracy(self, theta: np.ndarray) -> np.ndarray:
        """Fraction of the data classified correctly (σ(z) > ½ ⇔ class 1), shape ``(M,)``."""
        if not self.classification:
            raise ValueError(f"accuracy is defined for classification, not {self.dataset!r}")
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        out = np.empty(len(theta))
        for part in self._chunks(len(theta)):
            with np.errstate(over="ignore", invalid="ignore"):
                z = self.forward(theta[part], self.x)[0]
            out[part] = ((z > 0.0) == (self.y > 0.5)).mean(axis=1)
        return out

    def metrics(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """The training accuracy, for classification."""
        return {"accuracy": self.accuracy(theta)} if self.classification else {}

    def loss_and_grad_on(
        self, theta: np.ndarray, *examples: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean loss ``(M,)`` and gradient ``(M, P)`` over the examples ``(x (B, d), y (B,))``.

        Forward pass layer by layer, then the backward pass (see the module docstring).
        """
        x, y = examples
        m, count = theta.shape[0], len(y)
        z, activations, slopes = self.forward(theta, x)
        loss, dl_dz = self._example_losses(z, y)
        grad = np.empty_like(theta)
        delta = (dl_dz / count)[..., None]  # ∂L/∂z of the mean loss, (M, B, 1)
        for index in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[index]
            below = x if index == 0 else activations[index - 1]  # h_{ℓ−1}
            # ∂L/∂W_ℓ = h_{ℓ−1}ᵀ δ_ℓ (summed over the batch), ∂L/∂b_ℓ = Σ δ_ℓ.
            grad[:, layer.w] = np.matmul(np.swapaxes(below, -1, -2), delta).reshape(m, -1)
            grad[:, layer.b] = delta.sum(axis=1)
            if index:
                w, _ = self._weights(theta, layer)
                delta = np.matmul(delta, np.swapaxes(w, -1, -2)) * slopes[index - 1]
        return loss.mean(axis=1), grad

    def _chunks(self, runs: int) -> list[slice]:
        widest = max(self.hidden, default=1)
        size = max(1, _BLOCK // (self.n_examples * widest))
        return [slice(s, s + size) for s in range(0, runs, size)]

    def loss_and_grad(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Full-batch loss and gradient at ``theta`` ``(..., P)``, in blocks of runs."""
        theta = np.asarray(theta, dtype=float)
        flat = theta.reshape(-1, self.dim)
        loss, grad = np.empty(len(flat)), np.empty_like(flat)
        for part in self._chunks(len(flat)):
            loss[part], grad[part] = self.loss_and_grad_on(flat[part], self.x, self.y)
        return loss.reshape(theta.shape[:-1]), grad.reshape(theta.shape)

    def output(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The output z ``(M, B)`` only: :meth:`forward` without the slopes φ'(z) it keeps
        for the backward pass (the same values)."""
        h: np.ndarray = x
        for layer in self.layers[:-1]:
            w, b = self._weights(theta, layer)
            h = np.matmul(h, w) + b
            if self.activation == "sigmoid":
                h = np.exp(-np.logaddexp(0.0, -h))  # as in _activation
            else:
                _activate(self.activation, h)
        w, b = self._weights(theta, self.layers[-1])
        return (np.matmul(h, w) + b)[..., 0]

    def loss(self, theta: np.ndarray) -> np.ndarray:
        """Full-batch loss only (the forward pass; no backward), shape ``theta.shape[:-1]``."""
        theta = np.asarray(theta, dtype=float)
        flat = theta.reshape(-1, self.dim)
        loss = np.empty(len(flat))
        for part in self._chunks(len(flat)):
            z = self.output(flat[part], self.x)
            if self.classification:
                example = np.logaddexp(0.0, z) - self.y * z  # as in _example_losses
            else:
                example = z - self.y
                example *= example
            loss[part] = example.mean(axis=1)
        return loss.reshape(theta.shape[:-1])

    def plane_loss(
        self, centre: np.ndarray, d1: np.ndarray, d2: np.ndarray, alpha: np.ndarray,
        beta: np.ndarray, dtype: type = np.float64,
    ) -> np.ndarray:
        """The full-batch loss on the plane's grid ``beta`` × ``alpha``, computed in ``dtype``.

        The same loss as :meth:`loss` at every θ = centre + α·d1 + β·d2, evaluated the way a
        grid allows (the landscape view's path; float32 is 1.7–2.6× faster than float64 here —
        :func:`gdsim.core.landscape.loss_slice` says when it is used):

        - the first layer is affine in (α, β): X·(W₁ᶜ + αW₁ᵈ + βW₁ᵉ) + b = Zᶜ + αZᵈ + βZᵉ, so
          its pre-activations over the grid are a broadcast of three ``(width, N)`` arrays,
          with no matmul per grid point;
        - every later layer is one batched matmul W(α, β)ᵀ·h per grid point on activations
          laid out ``(points, width, N)`` (the long axis N innermost, which BLAS handles far
          better than ``(points, N, width)``), with W(α, β) = Wᶜ + αWᵈ + βWᵉ built per block;
        - blocks of grid points hold about ``_PLANE_BLOCK`` activations, so temporaries stay
          in cache and are reused in place;
        - the classification loss is softplus((1 − 2y)·z), equal to softplus(z) − y·z for
          y ∈ {0, 1} without its cancellation, averaged in float64.
        """
        alpha = np.asarray(alpha, dtype=float)
        beta = np.asarray(beta, dtype=float)
        out = np.empty((len(beta), len(alpha)))
        if not (len(alpha) and len(beta)):
            return out
        n = self.n_examples
        vectors = [np.asarray(v, dtype=float) for v in (centre, d1, d2)]
        # Per layer: W (fan_out, fan_in) and b (fan_out, 1) of the centre and both directions.
        weights = [[(v[layer.w].reshape(layer.fan_in, layer.fan_out).T, v[layer.b][:, None])
                    for v in vectors] for layer in self.layers]
        first = [(w @ self.x.T + b).astype(dtype) for w, b in weights[0]]  # Zᶜ, Zᵈ, Zᵉ (width, N)
        along = [(wd.astype(dtype), bd.astype(dtype)) for _, (wd, bd), _ in weights[1:]]
        if self.classification and np.all((self.y == 0.0) | (self.y == 1.0)):
            sign, target = (1.0 - 2.0 * self.y).astype(dtype), None
        else:
            sign, target = None, self.y.astype(dtype)
        widest = max(layer.fan_out for layer in self.layers)
        size = max(1, min(len(alpha), _PLANE_BLOCK // (n * widest)))
        chunks = [slice(s, s + size) for s in range(0, len(alpha), size)]
        a_all = alpha.astype(dtype)
        activation = self.activation
        buffers = [_workspace(k, size * widest * n, dtype) for k in range(2)]
        scratch = _workspace(2, size * n, dtype)

        def buffer(k: int, g: int, width: int) -> np.ndarray:
            return buffers[k][:g * width * n].reshape(g, width, n)

        for i, b_value in enumerate(beta):
            # Everything affine in β is folded in once per row: W(α) = (Wᶜ + βWᵉ) + αWᵈ.
            z_row = (first[0] + first[2] * dtype(b_value))
            row = [((wc + b_value * we).astype(dtype), (bc + b_value * be).astype(dtype), *d)
                   for ((wc, bc), _, (we, be)), d in zip(weights[1:], along, strict=True)]
            for part in chunks:
                a = a_all[part][:, None, None]  # (g, 1, 1)
                g, k = len(a), 0
                z = np.multiply(a, first[1], out=buffer(k, g, self.layers[0].fan_out))
                z += z_row  # (g, width, N): Zᶜ + βZᵉ + αZᵈ
                for w_row, b_row, w_d, b_d in row:
                    _activate(activation, z)
                    w = w_row + a * w_d  # (g, fan_out, fan_in)
                    k = 1 - k
                    z = np.matmul(w, z, out=buffer(k, g, len(w_row)))
                    z += b_row + a * b_d
                out[i, part] = _mean_loss(z[:, 0, :], sign, target,
                                          scratch[:g * n].reshape(g, n))
        return out

    def hessian(self, theta: np.ndarray, step: float = 1e-5) -> np.ndarray:
        """The full-batch Hessian ``(M, P, P)`` at ``theta`` ``(M, P)``.

        Central differences of the analytic (backpropagated) gradient, all 2P probes of every
        run in one batched call; symmetrised. (With relu the Hessian is zero almost everywhere
        in the hidden weights' second derivatives but not in the loss's; the differences see
        the kinks only within ``step`` of them.)
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        m, p = theta.shape
        offsets = step * np.eye(p)
        probes = np.concatenate([theta[:, None, :] + offsets, theta[:, None, :] - offsets],
                                axis=1)  # (M, 2P, P)
        grads = self.grad(probes.reshape(-1, p)).reshape(m, 2 * p, p)
        hess = (grads[:, :p] - grads[:, p:]) / (2.0 * step)
        return 0.5 * (hess + np.swapaxes(hess, -1, -2))

    def examples(self) -> tuple[np.ndarray, ...]:
        return self.x, self.y

    def layer_gradient_norms(self, grad: np.ndarray) -> dict[str, np.ndarray]:
        """|∂L/∂W_ℓ| and |∂L/∂b_ℓ| per layer for gradients ``(M, P)``: name → ``(M,)``."""
        grad = np.atleast_2d(grad)
        norms = {}
        for number, layer in enumerate(self.layers, start=1):
            norms[f"W{number}"] = np.linalg.norm(grad[:, layer.w], axis=1)
            norms[f"b{number}"] = np.linalg.norm(grad[:, layer.b], axis=1)
        return norms


NETWORK_SURFACES: tuple[type[Surface], ...] = (Network,)
