"""What the scoring run adds to the rows ``compute`` made, from other packages' data: the
most-valuable-customer class and loyalty score, and the learnt churn tree's share of the
churn risk."""

from typing import Any

import numpy as np
from crm_shared.db import UnitOfWork

from crm_analytics.churn import tree
from crm_analytics.churn.repository import ChurnRepository, churn_features
from crm_analytics.scores import mvc
from crm_analytics.scores.compute import churn_level
from crm_analytics.scores.mvc_inputs import mvc_inputs
from crm_analytics.settings import AnalyticsSettings


async def add_mvc(
    uow: UnitOfWork,
    rows: list[dict[str, Any]],
    customer_ids: list[str] | None,
    settings: AnalyticsSettings,
) -> None:
    """The most-valuable-customer class and loyalty score of each scored customer with a
    profile (None: everyone's, in one pass)."""
    inputs = await mvc_inputs(uow.session, customer_ids, settings.currency)
    result = mvc.evaluate(inputs, mvc.MvcCuts.of(settings))
    found = {
        customer_id: (int(klass), None if np.isnan(loyalty) else round(float(loyalty), 4))
        for customer_id, klass, loyalty in zip(
            inputs.customer_ids, result.mvc_class, result.loyalty, strict=True
        )
    }
    for row in rows:
        row["mvc_class"], row["loyalty_score"] = found.get(row["customer_id"], (None, None))


async def add_learnt_churn(
    uow: UnitOfWork,
    rows: list[dict[str, Any]],
    customer_ids: list[str] | None,
    settings: AnalyticsSettings,
) -> None:
    """Once a churn decision tree has been learnt, its probability weighs half of the
    churn-risk score, and the rule of the customer's leaf is a reason when it predicts churn."""
    model = await ChurnRepository(uow.session).newest_model()
    if model is None:
        return
    ids, features = await churn_features(uow.session, customer_ids, uow.clock.now())
    probabilities = tree.predict(model.tree, features) if ids else np.zeros(0)
    learnt = {customer_id: i for i, customer_id in enumerate(ids)}
    for row in rows:
        i = learnt.get(row["customer_id"])
        if i is None:
            continue
        probability = float(probabilities[i])
        row["churn_score"] = round((row["churn_score"] + probability) / 2, 4)
        row["churn_level"] = churn_level(row["churn_score"], settings)
        if probability >= 0.5:
            reason = {
                "code": "learnt_rule",
                "weight": round(probability / 2, 4),
                "detail": tree.rule_for(model.tree, features[i]),
            }
            row["churn_reasons"] = sorted(
                [*row["churn_reasons"], reason], key=lambda line: -float(line["weight"])
            )
