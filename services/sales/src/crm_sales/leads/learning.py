"""The learnt win probability of a lead: a logistic regression fitted with scikit-learn on
the leads whose opportunity closed (won or lost), kept as plain JSON.

Serving needs no scikit-learn fit and no pickle: the model is its feature names, the means
and scales that standardise them, one coefficient each and an intercept, and
:func:`predict` is the logistic function over them. Pure: no database, no clock (the caller
stamps ``trained_at``).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crm_sales.leads.rules import FEATURE_LABELS


@dataclass(frozen=True)
class Explained:
    feature: str
    label: str
    contribution: float  # log-odds the feature adds for this lead, against an average lead


def fit(
    rows: Sequence[Sequence[float]],
    outcomes: Sequence[bool],
    features: Sequence[str],
    *,
    holdout_share: float,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit on ``rows`` (one per closed lead, in ``features`` order) and ``outcomes`` (won).

    The accuracy is measured on a stratified hold-out the first fit never saw; the model
    kept is then refitted on every row (more history, better weights)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    x = np.asarray(rows, dtype=float)
    y = np.asarray(outcomes, dtype=int)
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0  # a feature that never varies: weight 0, no division by 0
    standard = (x - means) / scales
    train_x, test_x, train_y, test_y = train_test_split(
        standard, y, test_size=holdout_share, random_state=seed, stratify=y
    )
    trial = LogisticRegression(max_iter=1000).fit(train_x, train_y)
    accuracy = float(trial.score(test_x, test_y))
    model = LogisticRegression(max_iter=1000).fit(standard, y)
    return {
        "features": list(features),
        "means": [float(value) for value in means],
        "scales": [float(value) for value in scales],
        "coefficients": [float(value) for value in model.coef_[0]],
        "intercept": float(model.intercept_[0]),
        "n_samples": len(y),
        "n_won": int(y.sum()),
        "holdout_accuracy": accuracy,
        "holdout_size": len(test_y),
    }


def _terms(model: dict[str, Any], values: Sequence[float]) -> list[float]:
    return [
        coefficient * (value - mean) / scale
        for coefficient, value, mean, scale in zip(
            model["coefficients"], values, model["means"], model["scales"], strict=True
        )
    ]


def predict(model: dict[str, Any], values: Sequence[float]) -> float:
    """The win probability (0-1) of a lead with these feature values."""
    z = model["intercept"] + sum(_terms(model, values))
    if z < -60:  # exp overflows past ~709; a probability this small is 0 to any reader
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def explain(model: dict[str, Any], values: Sequence[float], top: int = 3) -> list[Explained]:
    """The features that move this lead's probability most (either way), largest first."""
    terms = zip(model["features"], _terms(model, values), strict=True)
    ranked = sorted(terms, key=lambda term: abs(term[1]), reverse=True)
    return [
        Explained(name, FEATURE_LABELS.get(name, name), round(value, 3))
        for name, value in ranked[:top]
        if abs(value) >= 0.01
    ]


def weights_in_words(model: dict[str, Any]) -> list[dict[str, Any]]:
    """Every feature with its weight, strongest first, said plainly: how the odds of winning
    change for one standard deviation more of it."""
    described = []
    for name, coefficient, scale in zip(
        model["features"], model["coefficients"], model["scales"], strict=True
    ):
        factor = math.exp(coefficient)
        direction = "raises" if coefficient > 0 else "lowers"
        described.append(
            {
                "feature": name,
                "label": FEATURE_LABELS.get(name, name),
                "weight": round(coefficient, 4),
                "odds_factor": round(factor, 3),
                "explanation": (
                    f"{FEATURE_LABELS.get(name, name)}: {direction} the odds of winning "
                    f"(x{factor:.2f} per {scale:.3g} more)"
                    if abs(coefficient) >= 0.01
                    else f"{FEATURE_LABELS.get(name, name)}: no visible effect"
                ),
            }
        )
    return sorted(described, key=lambda item: abs(item["weight"]), reverse=True)
