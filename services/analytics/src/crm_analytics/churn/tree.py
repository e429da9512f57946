"""The churn decision tree: learnt with scikit-learn, kept as plain JSON, applied with numpy.

- **Features** (:data:`FEATURES`, the columns of every feature matrix, in this order) are as
  of a cut instant; counts and days are whole numbers, so their thresholds read as integers.
- **The tree** (:func:`fit_tree`): ``DecisionTreeClassifier`` (gini, unweighted classes, a
  fixed random state). Its held-out figures (accuracy, ROC AUC) come from a stratified 25 %
  split; the stored tree is then refitted on every customer, so each leaf's probability is
  the share of churned customers in it and its count is theirs.
- **The JSON** is nested nodes: a split ``{"feature", "threshold", "customers", "le", "gt"}``
  (``le``: the value is ≤ the threshold) or a leaf ``{"probability", "customers",
  "churned"}``. :func:`predict` walks it for every row at once (one step per level), so no
  scikit-learn is needed to score.
- **Rules** (:func:`rules_of`, :func:`rule_for`): one readable line per leaf, conditions on
  one feature merged, e.g. "if days since last purchase > 212 and complaints ≥ 1 then churn
  83 % (41 customers)".
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

RANDOM_STATE = 0
HELD_OUT_SHARE = 0.25


@dataclass(frozen=True)
class Feature:
    name: str
    label: str  # as the rules read
    whole: bool  # a count or a number of days: thresholds read as integers


FEATURES = (
    Feature("days_since_last_purchase", "days since last purchase", True),
    Feature("usual_gap_days", "usual days between purchases", True),
    Feature("orders_recent", "orders in the last period", True),
    Feature("orders_before", "orders in the period before", True),
    Feature("spend_recent", "spend in the last period", False),
    Feature("spend_before", "spend in the period before", False),
    Feature("complaints", "complaints", True),
    Feature("open_complaints", "open complaints", True),
    Feature("breaches", "SLA breaches", True),
    Feature("mean_survey_score", "mean survey score", False),
)
FEATURE_NAMES = [feature.name for feature in FEATURES]
_BY_NAME = {feature.name: feature for feature in FEATURES}

Matrix = NDArray[np.float64]
Node = dict[str, Any]


@dataclass(frozen=True)
class FittedTree:
    tree: Node
    rules: list[str]
    accuracy: float
    auc: float | None
    test_customers: int


def _classifier(max_depth: int, min_samples_leaf: int) -> DecisionTreeClassifier:
    return DecisionTreeClassifier(
        max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=RANDOM_STATE
    )


def fit_tree(
    features: Matrix, churned: NDArray[np.bool_], max_depth: int, min_samples_leaf: int
) -> FittedTree:
    """Measure on a held-out split, then learn the stored tree from every row. Both classes
    must be present (the caller checks there is enough of each)."""
    labels = churned.astype(np.int64)
    train_x, test_x, train_y, test_y = train_test_split(
        features,
        labels,
        test_size=HELD_OUT_SHARE,
        stratify=labels,
        random_state=RANDOM_STATE,
    )
    measured = _classifier(max_depth, min_samples_leaf).fit(train_x, train_y)
    probabilities = measured.predict_proba(test_x)[:, 1]
    accuracy = float(accuracy_score(test_y, probabilities > 0.5))
    auc = float(roc_auc_score(test_y, probabilities)) if len(set(test_y)) == 2 else None
    final = _classifier(max_depth, min_samples_leaf).fit(features, labels)
    tree = _nodes_of(final, features, labels)
    return FittedTree(tree, rules_of(tree), accuracy, auc, len(test_y))


def _nodes_of(fitted: DecisionTreeClassifier, features: Matrix, labels: NDArray[Any]) -> Node:
    """The fitted tree as nested JSON nodes; leaves count the rows that reach them."""
    structure = fitted.tree_
    leaves = fitted.apply(features)
    customers = np.bincount(leaves, minlength=structure.node_count)
    churned = np.bincount(leaves, weights=labels, minlength=structure.node_count)

    def node(index: int) -> Node:
        left, right = int(structure.children_left[index]), int(structure.children_right[index])
        if left == right:  # a leaf (both -1)
            count, lost = int(customers[index]), int(churned[index])
            return {
                "probability": round(lost / count, 6) if count else 0.0,
                "customers": count,
                "churned": lost,
            }
        le, gt = node(left), node(right)
        return {
            "feature": FEATURE_NAMES[int(structure.feature[index])],
            "threshold": float(structure.threshold[index]),
            "customers": le["customers"] + gt["customers"],
            "le": le,
            "gt": gt,
        }

    return node(0)


def _flat(tree: Node) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], Matrix]:
    """The nodes as arrays (feature column, threshold, ≤ child, > child, probability); a
    leaf's children are itself, so walking past it stays there."""
    feature: list[int] = []
    threshold: list[float] = []
    children: list[list[int]] = []
    probability: list[float] = []

    def add(node: Node) -> int:
        index = len(feature)
        feature.append(FEATURE_NAMES.index(node["feature"]) if "feature" in node else 0)
        threshold.append(float(node.get("threshold", math.inf)))
        children.append([index, index])
        probability.append(float(node.get("probability", 0.0)))
        if "feature" in node:
            children[index] = [add(node["le"]), add(node["gt"])]
        return index

    add(tree)
    return (
        np.array(feature, dtype=np.int64),
        np.array(threshold, dtype=np.float64),
        np.array(children, dtype=np.int64),
        np.array(probability, dtype=np.float64),
    )


def depth_of(tree: Node) -> int:
    if "feature" not in tree:
        return 0
    return 1 + max(depth_of(tree["le"]), depth_of(tree["gt"]))


def predict(tree: Node, features: Matrix) -> NDArray[np.float64]:
    """The churn probability of every row of ``features`` (columns as :data:`FEATURES`)."""
    feature, threshold, children, probability = _flat(tree)
    rows = np.arange(features.shape[0])
    at = np.zeros(features.shape[0], dtype=np.int64)
    for _ in range(depth_of(tree)):
        goes_right = features[rows, feature[at]] > threshold[at]
        at = children[at, goes_right.astype(np.int64)]
    result: NDArray[np.float64] = probability[at]
    return result


def rule_for(tree: Node, row: NDArray[np.float64] | list[float]) -> str:
    """The readable rule of the leaf that one customer's features reach."""
    values = np.asarray(row, dtype=np.float64)
    path: list[tuple[str, bool, float]] = []
    node = tree
    while "feature" in node:
        above = bool(values[FEATURE_NAMES.index(node["feature"])] > node["threshold"])
        path.append((node["feature"], above, node["threshold"]))
        node = node["gt" if above else "le"]
    return _rule_text(path, node)


def rules_of(tree: Node) -> list[str]:
    """One line per leaf, left (≤) before right (>)."""
    lines: list[str] = []

    def walk(node: Node, path: list[tuple[str, bool, float]]) -> None:
        if "feature" not in node:
            lines.append(_rule_text(path, node))
            return
        walk(node["le"], [*path, (node["feature"], False, node["threshold"])])
        walk(node["gt"], [*path, (node["feature"], True, node["threshold"])])

    walk(tree, [])
    return lines


def _rule_text(path: list[tuple[str, bool, float]], leaf: Node) -> str:
    # Of several conditions on one feature and side, the tightest says it all.
    tightest: dict[tuple[str, bool], float] = {}
    for name, above, threshold in path:
        held = tightest.get((name, above))
        if held is None or (threshold > held if above else threshold < held):
            tightest[(name, above)] = threshold
    conditions = [_condition(name, above, value) for (name, above), value in tightest.items()]
    share = round(100 * float(leaf["probability"]))
    outcome = f"churn {share} % ({leaf['customers']} customers)"
    if not conditions:
        return f"every customer: {outcome}"
    return f"if {' and '.join(conditions)} then {outcome}"


def _condition(name: str, above: bool, threshold: float) -> str:
    feature = _BY_NAME[name]
    if feature.whole:
        # Whole values: "≤ 2.5" is "≤ 2", "> 2.5" is "≥ 3".
        floor = math.floor(threshold)
        return f"{feature.label} ≥ {floor + 1}" if above else f"{feature.label} ≤ {floor}"
    return f"{feature.label} {'>' if above else '≤'} {threshold:.2f}"
