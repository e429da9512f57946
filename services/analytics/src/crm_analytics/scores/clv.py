"""Probabilistic customer lifetime value: the BG/NBD and Gamma-Gamma models.

What: the two models the CLV scores rest on, fitted by maximum likelihood over every
customer's purchase history, and the per-customer predictions drawn from them:

- BG/NBD (Fader, Hardie and Lee 2005, "Counting Your Customers the Easy Way"): a customer
  buys as a Poisson process of rate lambda ~ Gamma(r, alpha) and, after each purchase, drops
  out with probability p ~ Beta(a, b). Gives the expected purchases in the next t days
  (equation 10) and the probability the customer is still alive (Hardie's note 021).
- Gamma-Gamma (Fader and Hardie, note 025): the spend per purchase, independent of the
  purchase process, shrinks a customer's observed mean spend towards the population's.
- The lifetime value: per month over the horizon, the expected purchases in that month times
  the expected spend per purchase, discounted monthly.

Why here and not ``lifetimes``: ``lifetimes`` (0.11.3) is the reference implementation, but it
drags pandas and autograd into the service and evaluates every customer on every optimiser
step. This module is numpy + scipy only, compresses the customers to their distinct
(frequency, recency, T) patterns with counts as weights (the likelihood is identical), computes
the terms that depend only on the frequency once per distinct frequency, and uses the analytic
gradient: a million customers fit in seconds. ``lifetimes`` stays a test dependency: the tests
check parameters, log-likelihoods and every prediction against it on the CDNOW data set.

The fit copies the reference's exactly: BFGS on the log-parameters from 0.1 each, tolerance
1e-7, on the mean negative log-likelihood, with time scaled by 1 / max(T) during the BG/NBD fit
(alpha rescaled after), no penalizer. ``log_likelihood`` is reported differently: the TOTAL
log-likelihood, with times in days.

Inputs, per customer, in days (the reference's summary definitions):
- ``frequency``: the number of repeat purchase days (purchase days minus one);
- ``recency``: days from the first to the last purchase day (0 without a repeat);
- ``T``: days from the first purchase day to the end of the observation;
- ``monetary_value``: the mean total of the repeat purchase days (0 without a repeat).
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import expit, gammaln, hyp2f1, psi

Floats = npt.NDArray[np.float64]

TOLERANCE = 1e-7  # the reference's default
INITIAL_LOG_PARAMS = 0.1  # the reference's start, for every log-parameter
# Past this, a log-parameter is running off to the edge of the space: the likelihood has no
# maximum (e.g. every repeat buyer spent the same, so the spread of spend is unidentified).
MAX_ABS_LOG_PARAM = 30.0


class NotEnoughHistory(ValueError):
    """The histories cannot identify the model: nobody bought twice, no time passed, or the
    likelihood has no maximum."""


class NoConvergence(NotEnoughHistory):
    """The optimiser found no maximum of the likelihood."""


@dataclass(frozen=True)
class BgNbdParams:
    """The BG/NBD parameters (alpha in days) and the total log-likelihood in days."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float


@dataclass(frozen=True)
class GammaGammaParams:
    """The Gamma-Gamma parameters and the total log-likelihood of the spenders."""

    p: float
    q: float
    v: float
    log_likelihood: float


# --- fitting -------------------------------------------------------------------------------


def fit_bgnbd(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803 (the literature's name, as in the reference)
    *,
    weights: npt.ArrayLike | None = None,
) -> BgNbdParams:
    """Fit the BG/NBD model to customers' (frequency, recency, T) in days; ``weights`` counts
    the customers each row stands for (default one each)."""
    x, tx, age = _as_floats(frequency=frequency, recency=recency, T=T)
    _check_history(x, tx, age)
    counts = _weights(weights, len(x))
    kept = counts > 0
    x, tx, age, counts = x[kept], tx[kept], age[kept], counts[kept]
    if x.size == 0:
        raise NotEnoughHistory("no customers to fit the BG/NBD model to")
    if not np.any(x > 0):
        raise NotEnoughHistory("nobody bought on more than one day")
    longest = float(age.max())
    if longest <= 0:
        raise NotEnoughHistory("no time has passed since anybody's first purchase")

    (x, tx, age), counts, _ = _distinct((x, tx, age), counts)
    scale = 1.0 / longest
    likelihood = _BgNbdLikelihood(x, tx * scale, age * scale, counts)
    log_params = _maximise(likelihood.negative_mean_and_gradient, 4, "BG/NBD")
    r, alpha, a, b = np.exp(log_params)
    alpha /= scale
    in_days = _BgNbdLikelihood(x, tx, age, counts).total(np.log([r, alpha, a, b]))
    return BgNbdParams(float(r), float(alpha), float(a), float(b), in_days)


def fit_gamma_gamma(
    frequency: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
) -> GammaGammaParams:
    """Fit the Gamma-Gamma spend model to the customers with a repeat purchase and a positive
    mean spend (the others are left out here, the caller needn't filter)."""
    x, m = _as_floats(frequency=frequency, monetary_value=monetary_value)
    _check_frequency(x)
    if np.any(m < 0):
        raise ValueError("monetary_value must not be negative")
    counts = _weights(weights, len(x))
    kept = (counts > 0) & (x > 0) & (m > 0)
    if not np.any(kept):
        raise NotEnoughHistory("nobody made a repeat purchase with a positive spend")
    (x, m), counts, _ = _distinct((x[kept], m[kept]), counts[kept])
    likelihood = _GammaGammaLikelihood(x, m, counts)
    log_params = _maximise(likelihood.negative_mean_and_gradient, 3, "Gamma-Gamma")
    p, q, v = np.exp(log_params)
    return GammaGammaParams(float(p), float(q), float(v), likelihood.total(log_params))


class _BgNbdLikelihood:
    """The BG/NBD log-likelihood of weighted patterns (section 7 of the paper) and its
    gradient in the log-parameters."""

    def __init__(self, x: Floats, tx: Floats, age: Floats, counts: Floats) -> None:
        self.x, self.tx, self.age, self.counts = x, tx, age, counts
        self.repeat = x > 0
        # Terms of the frequency alone are computed once per distinct frequency.
        self.frequencies, self.by_frequency = np.unique(x, return_inverse=True)

    def _terms(self, log_params: Floats) -> tuple[Floats, Floats, tuple[float, ...]]:
        """Per pattern: the log-likelihood and the weight of the dropped-out branch."""
        r, alpha, a, b = (float(value) for value in np.exp(log_params))
        x, tx, age = self.x, self.tx, self.age
        f, at = self.frequencies, self.by_frequency
        by_frequency = (
            gammaln(r + f)
            - gammaln(r)
            + r * np.log(alpha)
            + gammaln(a + b)
            + gammaln(b + f)
            - gammaln(b)
            - gammaln(a + b + f)
        )
        alive = -(r + x) * np.log(alpha + age)
        gone = np.where(
            self.repeat,
            np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx),
            -np.inf,
        )
        both = np.logaddexp(alive, gone)
        return by_frequency[at] + both, np.exp(gone - both), (r, alpha, a, b)

    def total(self, log_params: Floats) -> float:
        values, _, _ = self._terms(log_params)
        return float(np.dot(self.counts, values))

    def negative_mean_and_gradient(self, log_params: Floats) -> tuple[float, Floats]:
        values, gone, (r, alpha, a, b) = self._terms(log_params)
        x, tx, age, w = self.x, self.tx, self.age, self.counts
        f, at = self.frequencies, self.by_frequency
        alive = 1.0 - gone
        digamma_r = (psi(r + f) - psi(r))[at]
        digamma_abx = psi(a + b) - psi(a + b + f)
        digamma_b = (psi(b + f) - psi(b))[at]
        d_r = digamma_r + np.log(alpha) - alive * np.log(alpha + age) - gone * np.log(alpha + tx)
        d_alpha = r / alpha - (r + x) * (alive / (alpha + age) + gone / (alpha + tx))
        d_a = digamma_abx[at] + gone / a
        safe = np.where(self.repeat, b + x - 1, 1.0)
        d_b = digamma_abx[at] + digamma_b - np.where(self.repeat, gone / safe, 0.0)
        total = w.sum()
        gradient = np.array([r * (w @ d_r), alpha * (w @ d_alpha), a * (w @ d_a), b * (w @ d_b)])
        return -float(w @ values) / total, -gradient / total


class _GammaGammaLikelihood:
    """The Gamma-Gamma log-likelihood of weighted (frequency, mean spend) patterns (note 025,
    equation 1a) and its gradient in the log-parameters."""

    def __init__(self, x: Floats, m: Floats, counts: Floats) -> None:
        self.x, self.m, self.counts = x, m, counts
        self.log_m = np.log(m)
        self.log_x = np.log(x)
        # The gamma functions depend on the frequency alone: once per distinct frequency.
        self.frequencies, self.by_frequency = np.unique(x, return_inverse=True)

    def _values(self, p: float, q: float, v: float) -> tuple[Floats, Floats, Floats]:
        px = p * self.x
        spent = np.log(self.x * self.m + v)
        pf = p * self.frequencies
        by_frequency = gammaln(pf + q) - gammaln(pf) - gammaln(q)
        values = (
            by_frequency[self.by_frequency]
            + q * np.log(v)
            + (px - 1) * self.log_m
            + px * self.log_x
            - (px + q) * spent
        )
        return values, px, spent

    def total(self, log_params: Floats) -> float:
        p, q, v = (float(value) for value in np.exp(log_params))
        return float(np.dot(self.counts, self._values(p, q, v)[0]))

    def negative_mean_and_gradient(self, log_params: Floats) -> tuple[float, Floats]:
        p, q, v = (float(value) for value in np.exp(log_params))
        values, px, spent = self._values(p, q, v)
        w, x, at = self.counts, self.x, self.by_frequency
        pf = p * self.frequencies
        digamma_pxq = psi(pf + q)[at]
        digamma_px = psi(pf)[at]
        d_p = x * (digamma_pxq - digamma_px + self.log_m + self.log_x - spent)
        d_q = digamma_pxq - psi(q) + np.log(v) - spent
        d_v = q / v - (px + q) / (x * self.m + v)
        total = w.sum()
        gradient = np.array([p * (w @ d_p), q * (w @ d_q), v * (w @ d_v)])
        return -float(w @ values) / total, -gradient / total


def _maximise(objective: Any, size: int, model: str) -> Floats:
    """BFGS from the reference's start, as the reference runs it."""
    start = np.full(size, INITIAL_LOG_PARAMS)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = minimize(objective, start, jac=True, method="BFGS", tol=TOLERANCE)
    log_params: Floats = np.asarray(result.x, dtype=np.float64)
    if (
        not result.success
        or not np.all(np.isfinite(log_params))
        or np.any(np.abs(log_params) > MAX_ABS_LOG_PARAM)
    ):
        raise NoConvergence(
            f"the {model} likelihood has no maximum on these histories ({result.message})"
        )
    return log_params


# --- predictions ---------------------------------------------------------------------------


def expected_purchases(
    params: BgNbdParams,
    t: npt.ArrayLike,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803 (the literature's name, as in the reference)
) -> Floats:
    """The expected number of purchases in the next ``t`` days of each customer given their
    history (equation 10; the reference's
    ``conditional_expected_number_of_purchases_up_to_time``)."""
    horizon = np.asarray(t, dtype=np.float64)
    x, tx, age = _as_floats(frequency=frequency, recency=recency, T=T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    first, second, third = r + x, b + x, a + b + x - 1
    z = horizon / (alpha + age + horizon)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_hyp = np.log(hyp2f1(first, second, third, z))
        overflowed = np.isinf(log_hyp)
        if np.any(overflowed):
            # Where the series overflows, Euler's transformation gives the same value.
            f, s, c, at = (
                np.broadcast_to(v, log_hyp.shape)[overflowed] for v in (first, second, third, z)
            )
            log_hyp[overflowed] = np.log(hyp2f1(c - f, c - s, c, at)) + (c - f - s) * np.log1p(-at)
    bought = (
        third
        / (a - 1)
        * (1 - np.exp(log_hyp + first * np.log((alpha + age) / (alpha + age + horizon))))
    )
    odds_gone = np.where(
        x > 0,
        a / (b + np.maximum(x, 1) - 1) * ((alpha + age) / (alpha + tx)) ** first,
        0.0,
    )
    result: Floats = np.asarray(bought / (1 + odds_gone), dtype=np.float64)
    return result


def probability_alive(
    params: BgNbdParams,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803 (the literature's name, as in the reference)
) -> Floats:
    """The probability each customer has not dropped out (Hardie's note 021); 1 for a
    customer without a repeat purchase, who in this model cannot have left yet."""
    x, tx, age = _as_floats(frequency=frequency, recency=recency, T=T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_odds_gone = (r + x) * np.log((alpha + age) / (alpha + tx)) + np.log(
        a / (b + np.maximum(x, 1) - 1)
    )
    result: Floats = np.atleast_1d(np.where(x == 0, 1.0, expit(-log_odds_gone)))
    return result


def expected_average_value(
    params: GammaGammaParams, frequency: npt.ArrayLike, monetary_value: npt.ArrayLike
) -> Floats:
    """Each customer's expected spend per purchase: their mean spend weighed against the
    population's, by how many purchases it rests on (the reference's
    ``conditional_expected_average_profit``). Meaningful for q > 1 only (the population mean
    v p / (q - 1))."""
    x, m = _as_floats(frequency=frequency, monetary_value=monetary_value)
    p, q, v = params.p, params.q, params.v
    individual = p * x / (p * x + q - 1)
    population = v * p / (q - 1)
    result: Floats = (1 - individual) * population + individual * m
    return result


def lifetime_value(
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,  # noqa: N803 (the literature's name, as in the reference)
    monetary_value: npt.ArrayLike,
    *,
    months: int = 12,
    discount_rate: float = 0.01,
    days_per_month: int = 30,
) -> Floats:
    """Each customer's value over the next ``months``: per month, the expected purchases in
    that month times the expected spend per purchase, discounted at ``discount_rate`` a month
    (the reference's ``customer_lifetime_value`` with ``freq="D"``)."""
    x, tx, age, m = _as_floats(
        frequency=frequency, recency=recency, T=T, monetary_value=monetary_value
    )
    spend = expected_average_value(gamma_gamma, x, m)
    value = np.zeros_like(x)
    if x.size == 0 or months < 1:
        return value
    # Predict once per distinct history, for every month end at once.
    (px, ptx, page), _, where = _distinct((x, tx, age), np.ones_like(x))
    ends = days_per_month * np.arange(1, months + 1, dtype=np.float64)
    by_month_end = expected_purchases(bgnbd, ends[:, None], px, ptx, page)
    cumulative = np.vstack([np.zeros_like(px), by_month_end])  # nothing bought by now
    discount = (1 + discount_rate) ** -np.arange(1, months + 1, dtype=np.float64)
    per_pattern = discount @ np.diff(cumulative, axis=0)
    value = spend * per_pattern[where]
    return value


# --- inputs --------------------------------------------------------------------------------


def _as_floats(**columns: npt.ArrayLike) -> list[Floats]:
    arrays = [np.atleast_1d(np.asarray(column, dtype=np.float64)) for column in columns.values()]
    if any(array.ndim != 1 for array in arrays) or len({len(array) for array in arrays}) > 1:
        raise ValueError(f"{', '.join(columns)} must be one-dimensional of equal lengths")
    for name, array in zip(columns, arrays, strict=True):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must be finite")
    return arrays


def _check_frequency(x: Floats) -> None:
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must be a non-negative whole number")


def _check_history(x: Floats, tx: Floats, age: Floats) -> None:
    _check_frequency(x)
    if np.any(tx < 0) or np.any(age < 0):
        raise ValueError("recency and T must not be negative")
    if np.any(tx > age):
        raise ValueError("recency must not exceed T (a last purchase after the observation)")
    if np.any(tx[x == 0] != 0):
        raise ValueError("recency must be 0 for a customer without a repeat purchase")


def _weights(weights: npt.ArrayLike | None, size: int) -> Floats:
    if weights is None:
        return np.ones(size)
    counts = np.atleast_1d(np.asarray(weights, dtype=np.float64))
    if counts.shape != (size,):
        raise ValueError("weights must have the histories' lengths")
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ValueError("weights must be finite and non-negative")
    return counts


def _distinct(
    columns: tuple[Floats, ...], counts: Floats
) -> tuple[tuple[Floats, ...], Floats, npt.NDArray[np.intp]]:
    """The distinct rows of ``columns`` (sorted), the summed ``counts`` of each, and for every
    row the index of its distinct row."""
    order = np.lexsort(columns[::-1])
    starts = np.zeros(len(order), dtype=bool)
    starts[:1] = True
    for column in columns:
        ordered = column[order]
        starts[1:] |= ordered[1:] != ordered[:-1]
    group = np.empty(len(order), dtype=np.intp)
    group[order] = np.cumsum(starts) - 1
    first = order[starts]
    summed = np.bincount(group, weights=counts, minlength=len(first)).astype(np.float64)
    return tuple(column[first] for column in columns), summed, group
