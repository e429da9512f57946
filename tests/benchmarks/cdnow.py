"""The CDNOW data set shipped inside the ``lifetimes`` wheel (69,659 orders of 23,570
customers, January 1997 to June 1998), as plain arrays, and its per-customer summary as the
reference computes it. Test and bench material only: the service never reads this file.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import lifetimes
import numpy as np
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data

CDNOW_MASTER = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_master.txt"
OBSERVATION_END = date(1998, 6, 30)  # the end of the data set's observation period


@dataclass(frozen=True)
class CdnowOrders:
    customer_ids: np.ndarray  # str, one per order
    order_dates: np.ndarray  # datetime.date, one per order
    amounts: np.ndarray  # float dollars, one per order


@dataclass(frozen=True)
class CdnowSummary:
    """One row per customer, in time unit days, as ``lifetimes`` defines them: frequency =
    distinct purchase days - 1, recency = last - first purchase day, T = observation end -
    first purchase day, monetary value = mean spend of the repeat purchase days (0 without)."""

    customer_ids: np.ndarray
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary_value: np.ndarray


def load_cdnow(path: Path = CDNOW_MASTER) -> CdnowOrders:
    """The orders of ``CDNOW_master.txt`` (header row; whitespace-separated columns
    customer_id, date yyyymmdd, number_of_cds, dollar_value)."""
    columns = np.loadtxt(path, dtype=str, skiprows=1)
    days = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in columns[:, 1]], dtype="datetime64[D]")
    return CdnowOrders(
        customer_ids=columns[:, 0],
        order_dates=days.astype(object),
        amounts=columns[:, 3].astype(float),
    )


def lifetimes_summary(orders: CdnowOrders, observation_end: date = OBSERVATION_END) -> Any:
    """The reference's summary (a pandas DataFrame indexed by customer id, columns frequency,
    recency, T, monetary_value), computed by ``lifetimes`` itself."""
    transactions = pd.DataFrame(
        {
            "customer_id": orders.customer_ids,
            "date": pd.to_datetime(orders.order_dates.astype("datetime64[D]")),
            "dollar_value": orders.amounts,
        }
    )
    return summary_data_from_transaction_data(
        transactions,
        "customer_id",
        "date",
        monetary_value_col="dollar_value",
        freq="D",
        observation_period_end=pd.Timestamp(observation_end),
    )


def summary_arrays(summary: Any) -> CdnowSummary:
    """The reference's summary frame as arrays (``summary["T"]``: ``summary.T`` would be
    the transpose)."""
    return CdnowSummary(
        customer_ids=summary.index.to_numpy(),
        frequency=summary["frequency"].to_numpy(dtype=float),
        recency=summary["recency"].to_numpy(dtype=float),
        T=summary["T"].to_numpy(dtype=float),
        monetary_value=summary["monetary_value"].to_numpy(dtype=float),
    )
