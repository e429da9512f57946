"""The timeline for a caller without ``customers:pii``: the events' data keeps its shape,
its personal fields masked (crm_shared.masking)."""

from typing import TypeVar

from crm_shared.masking import mask_document

from crm_analytics.timeline.schemas import TimelinePage, TimelineSlice

Entries = TypeVar("Entries", TimelinePage, TimelineSlice)


def timeline_masked(entries: Entries) -> Entries:
    return entries.model_copy(
        update={
            "items": [
                item.model_copy(update={"data": mask_document(item.data)}) for item in entries.items
            ]
        }
    )
