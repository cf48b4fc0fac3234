"""Sampling designs of the uncertainty and sensitivity analyses, on the unit hypercube.

Every uncertain input is driven by one uniform number ``u`` in ``[0, 1)``; the uncertainty
spec (:mod:`citykpi.index.uncertainty_spec`) maps it to a discrete alternative or a continuous
value. Two designs are provided:

* :func:`uniform_sample`: ``N x d`` pseudo-random numbers from
  ``numpy.random.Generator(PCG64(seed))``, the Monte Carlo design of the uncertainty analysis;
* :func:`sobol_design`: the ``A``, ``B`` and ``AB_i`` matrices of Saltelli (2010) for
  first-order and total Sobol indices, ``N (d + 2)`` runs. ``method="sobol"`` takes the
  quasi-random (scrambled Sobol sequence) design of SALib (``SALib.sample.sobol``, which needs
  ``N`` to be a power of 2 and converges faster); ``method="random"`` is COINr's plain
  pseudo-random design (two independent ``N x d`` uniform matrices).

Both are deterministic for a given seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.random import PCG64, Generator

from citykpi.errors import SpecError
from citykpi.index.records import FloatArray

DesignMethod = Literal["sobol", "random"]


def rng_for(seed: int) -> Generator:
    """Return the project's random generator for ``seed``: ``Generator(PCG64(seed))``."""
    return Generator(PCG64(seed))


def uniform_sample(n: int, d: int, *, seed: int) -> FloatArray:
    """Return an ``n x d`` matrix of independent uniform numbers in ``[0, 1)``.

    Parameters
    ----------
    n
        Number of replications (rows).
    d
        Number of uncertain inputs (columns).
    seed
        Seed of ``Generator(PCG64(seed))``.
    """
    if n < 1:
        msg = f"The number of replications must be at least 1; got {n!r}."
        raise SpecError(msg)
    out: FloatArray = rng_for(seed).random((n, d))
    return out


@dataclass(frozen=True, slots=True)
class SobolDesign:
    """The ``A``, ``B`` and ``AB_i`` matrices of a Saltelli design.

    Attributes
    ----------
    a, b
        ``N x d`` base matrices.
    ab
        ``d x N x d``; ``ab[i]`` is ``a`` with column ``i`` taken from ``b``.
    method
        ``"sobol"`` (quasi-random) or ``"random"``.
    """

    a: FloatArray
    b: FloatArray
    ab: FloatArray
    method: DesignMethod

    @property
    def n(self) -> int:
        """Return the base sample size ``N``."""
        return int(self.a.shape[0])

    @property
    def d(self) -> int:
        """Return the number of inputs ``d``."""
        return int(self.a.shape[1])

    def runs(self) -> FloatArray:
        """Return every run as one ``N (d + 2) x d`` matrix: ``A``, ``B``, then each ``AB_i``."""
        return np.concatenate([self.a, self.b, *self.ab], axis=0)

    def split(self, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Split outputs ordered as :meth:`runs` into ``(y_A, y_B, y_AB)`` (``y_AB``: ``d x N``)."""
        arr = np.asarray(y, dtype=np.float64)
        n, d = self.n, self.d
        if arr.shape != (n * (d + 2),):
            msg = f"Expected {n * (d + 2)} outputs (N (d + 2)), got shape {arr.shape!r}."
            raise SpecError(msg)
        return arr[:n], arr[n : 2 * n], arr[2 * n :].reshape(d, n)


def sobol_design(n: int, d: int, *, seed: int, method: DesignMethod = "sobol") -> SobolDesign:
    """Return the Saltelli ``A``/``B``/``AB_i`` design of ``N (d + 2)`` runs.

    Parameters
    ----------
    n
        Base sample size ``N``; a power of 2 for ``method="sobol"``.
    d
        Number of uncertain inputs.
    seed
        Seed of the scrambling (``"sobol"``) or of ``Generator(PCG64(seed))`` (``"random"``).
    method : {"sobol", "random"}
        Quasi-random design from SALib, or COINr's pseudo-random one.

    Returns
    -------
    SobolDesign
        The three matrices.
    """
    if d < 1:
        msg = "A sensitivity analysis needs at least one uncertain input; the spec lists none."
        raise SpecError(msg)
    if n < 2:
        msg = f"The base sample size N must be at least 2; got {n!r}."
        raise SpecError(msg)
    if method == "random":
        u = rng_for(seed).random((n, 2 * d))
        a, b = u[:, :d].copy(), u[:, d:].copy()
    elif method == "sobol":
        if n & (n - 1):
            lower = 1 << (n.bit_length() - 1)
            msg = (
                f"The Sobol design needs N to be a power of 2; got {n}. Use N = {lower} or "
                f"{lower * 2}, or the 'random' design."
            )
            raise SpecError(msg)
        from SALib.sample import sobol as salib_sobol

        problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
        x = np.asarray(
            salib_sobol.sample(problem, n, calc_second_order=False, seed=seed), dtype=np.float64
        ).reshape(n, d + 2, d)
        # SALib's row blocks are A, AB_1 .. AB_d, B
        a, b = x[:, 0, :].copy(), x[:, d + 1, :].copy()
        # values of exactly 1.0 would map past the last discrete alternative
        np.minimum(a, np.nextafter(1.0, 0.0), out=a)
        np.minimum(b, np.nextafter(1.0, 0.0), out=b)
    else:
        msg = f"Unknown design {method!r}; use 'sobol' or 'random'."
        raise SpecError(msg)
    ab = np.repeat(a[None, :, :], d, axis=0)
    for i in range(d):
        ab[i, :, i] = b[:, i]
    return SobolDesign(a=a, b=b, ab=ab, method=method)


__all__ = ["DesignMethod", "SobolDesign", "rng_for", "sobol_design", "uniform_sample"]
