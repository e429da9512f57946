"""The CSI report of a period: overall, per department and per item, with the expected
one-year retention (and, for CSV, its long rows)."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.reporting import PeriodOut, cell, period_of
from crm_analytics.satisfaction import rules
from crm_analytics.satisfaction.repository import SatisfactionRepository
from crm_analytics.satisfaction.schemas import (
    CsiFigures,
    CsiReport,
    DepartmentCsi,
    ItemCsi,
    RetentionOut,
)
from crm_analytics.settings import AnalyticsSettings


async def csi_report(
    session: AsyncSession, settings: AnalyticsSettings, period: str, department: str | None
) -> CsiReport:
    span = period_of(period)
    retention = settings.csi_retention_by_score
    surveys = await SatisfactionRepository(session).surveys(span.start, span.end, department)
    answers = [
        answer for survey_department, stored in surveys
        for answer in rules.answers_of(survey_department, stored)
    ]  # fmt: skip
    by_department: dict[str | None, list[rules.Answer]] = defaultdict(list)
    for answer in answers:
        by_department[answer.department].append(answer)
    departments = []
    for name in sorted(by_department, key=lambda key: (key is None, key or "")):
        by_item: dict[str, list[rules.Answer]] = defaultdict(list)
        for answer in by_department[name]:
            by_item[answer.item].append(answer)
        departments.append(
            DepartmentCsi(
                department=name,
                items=[
                    ItemCsi(item=item, **asdict(rules.figures(by_item[item], retention)))
                    for item in sorted(by_item)
                ],
                **asdict(rules.figures(by_department[name], retention)),
            )
        )
    return CsiReport(
        period=PeriodOut.of(span),
        department=department,
        overall=CsiFigures(**asdict(rules.figures(answers, retention))),
        departments=departments,
        retention_by_score=[
            RetentionOut(score=score, low_percent=low, high_percent=high)
            for score, (low, high) in sorted(retention.items(), reverse=True)
        ],
    )


def csv_rows(report: CsiReport) -> Iterator[tuple[str, str, str, str, str]]:
    """Long rows: overall (no dimension), per department, per department and item (key
    ``department/item``; a survey without a department is ``-``)."""
    metrics = list(CsiFigures.model_fields)
    for metric in metrics:
        yield ("csi", "", "", metric, cell(getattr(report.overall, metric)))
    for department in report.departments:
        name = department.department or "-"
        for metric in metrics:
            yield ("csi", "department", name, metric, cell(getattr(department, metric)))
        for item in department.items:
            for metric in metrics:
                key = f"{name}/{item.item}"
                yield ("csi", "department_item", key, metric, cell(getattr(item, metric)))
    for retention in report.retention_by_score:
        for metric in ("low_percent", "high_percent"):
            yield (
                "retention",
                "score",
                str(retention.score),
                metric,
                cell(getattr(retention, metric)),
            )
