"""The analytics pages' view models: each report as the analytics service answers it
(``/v1/reports/...``), shaped into ECharts options and the same figures as table rows.

Display only: every figure here is one the service computed (counts, shares, rates, C); this
module picks, orders, labels and formats them, and never derives a business figure."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

# The console's palette (static/css/console.css), so the charts match the pages.
INK = "#1b1f24"
INK_SOFT = "#4a5360"
LINE = "#c9d0d9"
ACCENT = "#1f5fbf"
OK = "#1e6b34"
WARN = "#b26b00"
BAD = "#a3161a"
IDLE = "#8a94a3"
NAVY = "#14233a"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif'
# Light to dark, so a fuller cell reads darker (with its number written on it).
HEAT = ["#eef3fb", "#a9c4ec", "#5b8fd9", ACCENT, NAVY]
CLASS_COLOURS = {"A": ACCENT, "B": "#5b8fd9", "C": "#a9c4ec", "D": "#dbe5f5"}

SCORES = range(1, 6)
SEGMENT_LABELS = {
    "champions": "Champions",
    "loyal": "Loyal",
    "potential_loyalist": "Potential loyalists",
    "new": "New",
    "promising": "Promising",
    "needs_attention": "Needs attention",
    "about_to_sleep": "About to sleep",
    "at_risk": "At risk",
    "cant_lose": "Can't lose them",
    "hibernating": "Hibernating",
    "lost": "Lost",
}
REASON_LABELS = {
    "inactive": "No purchase for longer than usual",
    "frequency_falling": "Buying less often",
    "spend_falling": "Spending less",
    "complaints": "Complaints or breached service targets",
    "low_satisfaction": "Low satisfaction",
    "learnt_rule": "Matches a learnt churn pattern",
}
LEVEL_BADGES = {"high": "bad", "medium": "warn", "low": "ok"}
CHURN_SERIES_CHOICES = (4, 6, 12, 24)
RISK_PAGE_SIZES = (25, 50, 100)


@dataclass
class Chart:
    """What ``ui.chart`` draws: the option, and the same figures as a table."""

    id: str
    title: str
    option: dict[str, Any]
    columns: list[str]
    rows: list[list[Any]]
    csv_href: str
    height: str = "340px"
    empty: str | None = None  # why nothing is drawn (a fresh system), in words


@dataclass
class PeriodChoice:
    label: str
    value: str


@dataclass
class PeriodGroup:
    label: str
    choices: list[PeriodChoice] = field(default_factory=list)


# --- formatting ----------------------------------------------------------------------------


def number(value: Any) -> float | None:
    """A figure as the chart needs it (the services send money as decimal strings)."""
    if value is None or value == "":
        return None
    return float(value)


def money(value: Any) -> str:
    amount = number(value)
    return "" if amount is None else f"{amount:,.2f}"


def percent(share: Any, digits: int = 1) -> str:
    """A share 0-1 as a percentage."""
    value = number(share)
    return "" if value is None else f"{value * 100:.{digits}f} %"


def percent_figure(value: Any, digits: int = 1) -> str:
    """A figure the service already gives in percent."""
    figure = number(value)
    return "" if figure is None else f"{figure:.{digits}f} %"


def decimal(value: Any, digits: int = 2) -> str:
    figure = number(value)
    return "" if figure is None else f"{figure:.{digits}f}"


def segment_label(segment: str | None) -> str:
    if segment is None:
        return "Not named"
    return SEGMENT_LABELS.get(segment, segment.replace("_", " ").capitalize())


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code, code.replace("_", " ").capitalize())


def csv_href(name: str, **params: Any) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"/analytics/reports/{name}.csv" + (f"?{query}" if query else "")


# Horizontal bars: the names wrap within this width at the left (measured text would be
# cut off by a few pixels with the system font).
BAR_LABEL_WIDTH = 150


def _bar_names(names: list[str]) -> dict[str, Any]:
    return _axis(
        "category",
        "",
        data=names,
        inverse=True,
        axisLabel={
            "color": INK,
            "fontSize": 12,
            "width": BAR_LABEL_WIDTH,
            "overflow": "break",
            "lineHeight": 15,
        },
    )


def _base(**extra: Any) -> dict[str, Any]:
    """What every chart shares: the console's font and colours, room for axis names."""
    option: dict[str, Any] = {
        "textStyle": {"fontFamily": FONT, "color": INK},
        "grid": {"left": 64, "right": 24, "top": 40, "bottom": 56, "containLabel": False},
        "tooltip": {"trigger": "item"},
        "animation": False,
        "aria": {"enabled": True},
    }
    option.update(extra)
    return option


def _narrow(option: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``option`` with ``changes`` on a phone (ECharts' media queries, redone on resize):
    the axis names give way to the plot; the table and the legend still name them."""
    return {"baseOption": option, "media": [{"query": {"maxWidth": 500}, "option": changes}]}


def _axis(kind: str, name: str, **extra: Any) -> dict[str, Any]:
    axis: dict[str, Any] = {
        "type": kind,
        "name": name,
        "nameLocation": "middle",
        "nameTextStyle": {"color": INK_SOFT, "fontSize": 13, "fontWeight": "bold"},
        "axisLabel": {"color": INK_SOFT, "fontSize": 12},
        "axisLine": {"lineStyle": {"color": LINE}},
        "splitLine": {"lineStyle": {"color": "#e6eaf0"}},
    }
    axis.update(extra)
    return axis


# --- periods -------------------------------------------------------------------------------


def month_label(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_label(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def last_complete_month(today: date) -> str:
    return month_label(_month_before(today))


def this_month(today: date) -> str:
    return month_label(today)


def period_groups(today: date, chosen: str | None = None) -> list[PeriodGroup]:
    """The periods a report is asked for (the service's forms: week, month, quarter), the
    newest first; a period named in the address and not among them is kept as chosen."""
    months, quarters, weeks = PeriodGroup("Months"), PeriodGroup("Quarters"), PeriodGroup("Weeks")
    day = today.replace(day=1)
    for _ in range(13):
        months.choices.append(PeriodChoice(f"{day:%B %Y}", month_label(day)))
        day = _month_before(day)
    seen: set[str] = set()
    day = today.replace(day=1)
    while len(quarters.choices) < 8:
        label = quarter_label(day)
        if label not in seen:
            seen.add(label)
            quarters.choices.append(PeriodChoice(label.replace("-", " "), label))
        day = _month_before(day)
    for back in range(8):
        label = week_label(today - timedelta(weeks=back))
        weeks.choices.append(PeriodChoice(label.replace("-W", " week "), label))
    groups = [months, quarters, weeks]
    known = {choice.value for group in groups for choice in group.choices}
    if chosen and chosen not in known:
        groups.insert(0, PeriodGroup("Asked for", [PeriodChoice(chosen, chosen)]))
    return groups


# --- RFM -----------------------------------------------------------------------------------


def rfm_heatmap(report: Mapping[str, Any]) -> Chart:
    """The 5 x 5 grid: frequency score across, recency score up, the cell's customers as its
    colour and number, the mean monetary total in the tooltip."""
    cells = {(cell["r"], cell["f"]): cell for cell in report.get("grid", [])}
    data: list[dict[str, Any]] = []
    rows: list[list[Any]] = []
    for r in SCORES:
        for f in SCORES:
            cell = cells.get((r, f), {"customers": 0, "mean_monetary": None, "segments": {}})
            mean = number(cell.get("mean_monetary"))
            data.append(
                {
                    # The tooltip's heading: which cell this is, in words.
                    "name": f"Recency {r}, frequency {f}",
                    "value": [
                        f - 1,
                        r - 1,
                        cell["customers"],
                        None if mean is None else round(mean, 2),
                    ],
                }
            )
            named = ", ".join(
                f"{segment_label(name)} {count}" for name, count in cell.get("segments", {}).items()
            )
            rows.append([r, f, cell["customers"], money(mean), named])
    rows.sort(key=lambda row: (-row[0], row[1]))
    most = max((item["value"][2] for item in data), default=0)
    option = _base(
        grid={"left": 72, "right": 24, "top": 16, "bottom": 112},
        tooltip={"trigger": "item"},
        xAxis=_axis(
            "category",
            "Frequency score (5: buys most often)",
            data=[str(f) for f in SCORES],
            nameGap=30,
            splitArea={"show": False},
        ),
        yAxis=_axis(
            "category",
            "Recency score (5: bought most recently)",
            data=[str(r) for r in SCORES],
            nameGap=36,
            splitArea={"show": False},
        ),
        visualMap={
            "type": "continuous",
            "min": 0,
            "max": max(most, 1),
            "dimension": 2,
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "itemHeight": 180,
            "text": ["more customers", "fewer"],
            "textStyle": {"color": INK_SOFT},
            "inRange": {"color": HEAT},
        },
        series=[
            {
                "name": "RFM cell",
                "type": "heatmap",
                "dimensions": ["frequency score", "recency score", "customers", "mean monetary"],
                "encode": {"x": 0, "y": 1, "value": 2, "tooltip": [2, 3]},
                "data": data,
                "label": {"show": True, "formatter": "{@customers}", "fontWeight": "bold"},
                "itemStyle": {"borderColor": "#ffffff", "borderWidth": 2},
                "emphasis": {"itemStyle": {"borderColor": INK, "borderWidth": 2}},
            }
        ],
    )
    return Chart(
        id="rfm-grid",
        title="RFM grid: customers by recency and frequency score",
        option=option,
        columns=["Recency score", "Frequency score", "Customers", "Mean monetary", "Segments"],
        rows=rows,
        csv_href=csv_href("rfm"),
        height="420px",
        empty=None if report.get("customers") else "No orders yet: nobody has RFM scores.",
    )


def rfm_segments(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "label": segment_label(segment.get("segment")),
            "customers": segment["customers"],
            "share": percent(segment.get("customers_share")),
            "mean_monetary": money(segment.get("mean_monetary")),
            "monetary_total": money(segment.get("monetary_total")),
        }
        for segment in report.get("segments", [])
    ]


# --- ABC -----------------------------------------------------------------------------------


def abc_pareto(report: Mapping[str, Any]) -> Chart:
    """The Pareto curve (share of customers, highest value first, against the share of value
    they hold), each class's span shaded and its boundary marked."""
    # In percent (the service gives shares 0-1), so the axes read "20 %".
    points = [
        [
            round((number(p["customers_share"]) or 0.0) * 100, 2),
            round((number(p["value_share"]) or 0.0) * 100, 2),
        ]
        for p in report.get("pareto", [])
    ]
    areas: list[list[dict[str, Any]]] = []
    boundaries: list[dict[str, Any]] = []
    start = 0.0
    classes = report.get("classes", [])
    for index, klass in enumerate(classes):
        end = min(100.0, start + (number(klass.get("customers_share")) or 0.0) * 100)
        name = klass["abc_class"]
        areas.append(
            [
                {
                    "name": f"{name}",
                    "xAxis": round(start, 2),
                    "itemStyle": {"color": CLASS_COLOURS.get(name, IDLE), "opacity": 0.12},
                    "label": {"color": INK, "fontWeight": "bold", "position": "insideTop"},
                },
                {"xAxis": round(end, 2)},
            ]
        )
        if index < len(classes) - 1:
            boundaries.append(
                {"xAxis": round(end, 2), "name": f"{name} | {classes[index + 1]['abc_class']}"}
            )
        start = end
    option = _base(
        grid={"left": 72, "right": 32, "top": 32, "bottom": 60},
        tooltip={"trigger": "axis"},
        xAxis=_axis(
            "value",
            "Share of customers, highest value first",
            min=0,
            max=100,
            nameGap=32,
            axisLabel={"color": INK_SOFT, "fontSize": 12, "formatter": "{value} %"},
        ),
        yAxis=_axis(
            "value",
            "Share of value",
            min=0,
            max=100,
            nameGap=48,
            axisLabel={"color": INK_SOFT, "fontSize": 12, "formatter": "{value} %"},
        ),
        series=[
            {
                "name": "Share of value held",
                "type": "line",
                "data": points,
                "showSymbol": False,
                "lineStyle": {"color": ACCENT, "width": 3},
                "itemStyle": {"color": ACCENT},
                "areaStyle": {"color": ACCENT, "opacity": 0.08},
                "markArea": {"silent": True, "data": areas},
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "lineStyle": {"color": NAVY, "type": "dashed", "width": 1.5},
                    "label": {"formatter": "{b}", "color": INK, "position": "end"},
                    "data": boundaries,
                },
            }
        ],
    )
    rows = [[f"{x:.0f} %", f"{y:.1f} %"] for x, y in points]
    return Chart(
        id="abc-pareto",
        title="ABC: the Pareto curve of customer value",
        option=option,
        columns=["Share of customers", "Share of value"],
        rows=rows,
        csv_href=csv_href("abc"),
        height="380px",
        empty=None if points else "No orders yet: no customer has value to rank.",
    )


def abc_classes(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    thresholds = report.get("thresholds") or {}
    return [
        {
            "name": klass["abc_class"],
            "customers": klass["customers"],
            "customers_share": percent(klass.get("customers_share")),
            "value": money(klass.get("value")),
            "value_share": percent(klass.get("value_share")),
            "threshold": money(thresholds.get(klass["abc_class"]))
            if isinstance(thresholds, Mapping)
            else "",
        }
        for klass in report.get("classes", [])
    ]


# --- churn ---------------------------------------------------------------------------------


def churn_line(report: Mapping[str, Any]) -> Chart:
    """The churn rate per period (the report's series, oldest first) with the customers
    lost and won in each as bars behind it."""
    series = report.get("series", [])
    labels = [item["period"]["label"] for item in series]
    rates = [number(item.get("churn_rate_percent")) for item in series]
    # The counts' axis twice their highest, so the bars stay in the lower half, behind the
    # rate's line.
    biggest = max((max(item["lost"], item["new_customers"]) for item in series), default=0)
    option = _base(
        grid={"left": 64, "right": 64, "top": 48, "bottom": 56},
        tooltip={"trigger": "axis"},
        legend={"top": 0, "textStyle": {"color": INK}},
        xAxis=_axis("category", "Period", data=labels, nameGap=32),
        yAxis=[
            _axis("value", "Churn rate (%)", min=0, nameGap=40, nameRotate=90),
            _axis(
                "value",
                "Customers lost / new",
                min=0,
                max=max(2, 2 * biggest),
                minInterval=1,
                nameGap=40,
                nameRotate=90,
                splitLine={"show": False},
            ),
        ],
        series=[
            {
                "name": "Lost customers",
                "type": "bar",
                "yAxisIndex": 1,
                "data": [item["lost"] for item in series],
                "itemStyle": {"color": "#e8b4b5"},
                "barMaxWidth": 28,
            },
            {
                "name": "New customers",
                "type": "bar",
                "yAxisIndex": 1,
                "data": [item["new_customers"] for item in series],
                "itemStyle": {"color": "#a9d3b4"},
                "barMaxWidth": 28,
            },
            {
                "name": "Churn rate (%)",
                "type": "line",
                "data": rates,
                "connectNulls": False,
                "symbolSize": 8,
                "lineStyle": {"color": BAD, "width": 3},
                "itemStyle": {"color": BAD},
            },
        ],
    )
    option = _narrow(
        option,
        {
            "grid": {"left": 36, "right": 28, "top": 56, "bottom": 48},
            "yAxis": [{"name": "", "nameGap": 8}, {"name": "", "nameGap": 8}],
        },
    )
    rows = [
        [
            item["period"]["label"],
            item["customers_at_start"],
            item["lost"],
            item["new_customers"],
            item["active_at_end"],
            percent_figure(item.get("churn_rate_percent")),
        ]
        for item in series
    ]
    anyone = any(item["customers_at_start"] or item["new_customers"] for item in series)
    period = report.get("period", {}).get("label", "")
    return Chart(
        id="churn-rate",
        title=f"Churn rate per period, {labels[0] if labels else period} to {period}",
        option=option,
        columns=["Period", "Active at start", "Lost", "New", "Active at end", "Churn rate"],
        rows=rows,
        csv_href=csv_href("churn", period=period, periods=len(series) or None),
        empty=None if anyone else "No orders yet: nobody was an active customer in these periods.",
    )


def churn_reasons(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "reason": reason["reason"].capitalize(),
            "lifecycle": reason["lifecycle"],
            "opportunities": reason["opportunities"],
            "total": reason["total"],
            "share": percent_figure(reason.get("share_percent")),
            "reference": percent_figure(reason.get("reference_percent"), 0),
        }
        for reason in report.get("reasons", [])
    ]


# --- CSI -----------------------------------------------------------------------------------


def _csi_bars(
    chart_id: str, title: str, names: list[str], figures: list[Mapping[str, Any]], href: str
) -> Chart:
    """Mean C per department or item as horizontal bars (long names stay readable), the
    expectation (C = 1) marked; the bar's colour says whether it was met, its label the
    figure, so colour is never the only signal."""
    values: list[dict[str, Any]] = []
    for figure in figures:
        mean_c = number(figure.get("mean_satisfaction"))
        colour = IDLE if mean_c is None else OK if mean_c >= 1 else BAD
        values.append(
            {"value": None if mean_c is None else round(mean_c, 2), "itemStyle": {"color": colour}}
        )
    option = _base(
        grid={"left": BAR_LABEL_WIDTH + 16, "right": 48, "top": 28, "bottom": 52},
        tooltip={"trigger": "axis", "axisPointer": {"type": "shadow"}},
        xAxis=_axis("value", "Mean C = score / expected (1: expectation met)", min=0, nameGap=30),
        yAxis=_bar_names(names),
        series=[
            {
                "name": "Mean C",
                "type": "bar",
                "data": values,
                "barMaxWidth": 26,
                "label": {"show": True, "position": "right", "color": INK},
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "lineStyle": {"color": NAVY, "type": "dashed"},
                    # The names run top-down (an inverse axis): "start" is the top.
                    "label": {"formatter": "C = 1", "color": INK, "position": "start"},
                    "data": [{"xAxis": 1}],
                },
            }
        ],
    )
    rows = [
        [
            name,
            figure["answers"],
            decimal(figure.get("mean_score")),
            decimal(figure.get("mean_satisfaction")),
            percent_figure(figure.get("exceeded_percent")),
            percent_figure(figure.get("met_percent")),
            percent_figure(figure.get("dissatisfied_percent")),
        ]
        for name, figure in zip(names, figures, strict=True)
    ]
    return Chart(
        id=chart_id,
        title=title,
        option=option,
        columns=["", "Answers", "Mean score", "Mean C", "Exceeded", "Met", "Fell short"],
        rows=rows,
        csv_href=href,
        height=f"{max(200, 56 + 44 * len(names))}px",
        empty=None if names else "No survey answers in this period.",
    )


def department_name(department: str | None) -> str:
    return department or "No department"


def csi_by_department(report: Mapping[str, Any], href: str) -> Chart:
    departments = report.get("departments", [])
    chart = _csi_bars(
        "csi-departments",
        "Satisfaction by department",
        [department_name(d.get("department")) for d in departments],
        departments,
        href,
    )
    chart.columns[0] = "Department"
    return chart


def csi_by_item(report: Mapping[str, Any], href: str) -> Chart:
    departments = report.get("departments", [])
    several = len(departments) > 1
    names: list[str] = []
    figures: list[Mapping[str, Any]] = []
    for department in departments:
        for item in department.get("items", []):
            prefix = f"{department_name(department.get('department'))}: " if several else ""
            names.append(prefix + item["item"].replace("_", " "))
            figures.append(item)
    chart = _csi_bars("csi-items", "Satisfaction by survey item", names, figures, href)
    chart.columns[0] = "Item"
    return chart


# --- who is about to leave -------------------------------------------------------------------


def at_risk_customers(
    report: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Highest risk first (as the service orders them), each reason in words; ``names``:
    the customers' names where the person may read them (the report carries none)."""
    names = names or {}
    return [
        {
            "id": customer["customer_id"],
            "short_id": customer["customer_id"][:8],
            "name": names.get(customer["customer_id"]),
            "level": customer["churn_level"],
            "badge": LEVEL_BADGES.get(customer["churn_level"], ""),
            "score": percent(customer.get("churn_score"), 0),
            "reasons": [
                {"label": reason_label(str(r.get("code", ""))), "detail": r.get("detail") or ""}
                for r in customer.get("reasons", [])
            ],
            "recency_days": customer.get("recency_days"),
            "window_value": money(customer.get("window_value")),
            "value_class": customer.get("value_class") or "",
        }
        for customer in report.get("customers", [])
    ]


def at_risk_ids(report: Mapping[str, Any]) -> list[str]:
    return [customer["customer_id"] for customer in report.get("customers", [])]


def risk_levels(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    levels = report.get("levels", {})
    return [
        {"level": level, "badge": LEVEL_BADGES[level], "customers": levels.get(level, 0)}
        for level in ("high", "medium", "low")
    ]


def risk_reasons_chart(report: Mapping[str, Any], limit: int) -> Chart:
    reasons: Sequence[Mapping[str, Any]] = report.get("reasons", [])
    names = [reason_label(reason["code"]) for reason in reasons]
    option = _base(
        grid={"left": BAR_LABEL_WIDTH + 16, "right": 40, "top": 16, "bottom": 52},
        tooltip={"trigger": "axis", "axisPointer": {"type": "shadow"}},
        xAxis=_axis("value", "At-risk customers giving the reason", minInterval=1, nameGap=30),
        yAxis=_bar_names(names),
        series=[
            {
                "name": "Customers",
                "type": "bar",
                "data": [reason["customers"] for reason in reasons],
                "itemStyle": {"color": WARN},
                "barMaxWidth": 26,
                "label": {"show": True, "position": "right", "color": INK},
            }
        ],
    )
    return Chart(
        id="risk-reasons",
        title="Why customers are at risk (high and medium)",
        option=option,
        columns=["Reason", "Customers"],
        rows=[[name, reason["customers"]] for name, reason in zip(names, reasons, strict=True)],
        csv_href=csv_href("at-risk", limit=limit),
        height=f"{max(180, 64 + 44 * len(names))}px",
        empty=None if names else "Nobody is at medium or high risk of leaving.",
    )
