"""Request and response models: they validate requests and are the OpenAPI components."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from tracker.bottlenecks.models import DESCRIPTION_MAX, TITLE_MAX
from tracker.escalations.models import REQUEST_MAX

EscalationStatus = Literal[
    "submitted", "acknowledged", "answered", "reopened", "accepted", "forwarded", "withdrawn",
    "closed",
]  # fmt: skip
EscalationAction = Literal[
    "acknowledge", "respond", "forward", "close", "accept", "reopen", "resubmit", "withdraw"
]
BottleneckStatus = Literal["open", "escalated", "answered", "resolved", "closed"]
Impact = Literal["low", "medium", "high", "critical"]
Id = Field(ge=1, le=2**31 - 1)
#: An id as the INTEGER columns hold it (larger values would be a database error).
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]
NOTE_MAX = 5000


class Out(BaseModel):
    """Responses: read from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True)


class Strict(BaseModel):
    """Request bodies: unknown fields are refused, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """Query strings: every list takes a cursor and a limit."""

    model_config = ConfigDict(extra="ignore")

    cursor: str | None = Field(None, max_length=200, description="`next_cursor` of the last page")
    limit: int = Field(25, ge=1, le=100)


T = TypeVar("T")


class Page(Out, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")


class ErrorDetail(Out):
    code: Literal[
        "invalid", "unauthorized", "forbidden", "not_found", "conflict", "rate_limited",
        "server_error",
    ]  # fmt: skip
    message: str = Field(description="Translated (Accept-Language: nl or en)")
    fields: dict[str, str] = Field(default_factory=dict, description="Field -> translated message")


class Error(Out):
    error: ErrorDetail


# -- Registry ------------------------------------------------------------------------------------


class BuildingBlockOut(Out):
    id: int
    code: str
    number: int
    name_nl: str
    name_en: str


class PartyOut(Out):
    id: int
    name: str
    slug: str
    answer_working_days: int


class NetworkOut(Out):
    id: int
    name: str
    slug: str
    description: str
    coordinating_party_id: int | None


class DsvOut(Out):
    id: int
    name: str
    slug: str
    region: str
    phase: str | None
    network_ids: list[int]


class MeOut(Out):
    id: int
    name: str
    language: str
    party_ids: list[int]
    dsv_ids: list[int]
    scope: Literal["read", "write"]


# -- Bottlenecks ---------------------------------------------------------------------------------


class BottleneckOut(Out):
    id: int
    dsv_id: int
    title: str
    description: str
    building_block_id: int
    owner_id: int
    impact: Impact
    domain_ids: list[int]
    is_confidential: bool
    status: BottleneckStatus
    merged_into_id: int | None
    escalation_ids: list[int]
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version: int


class BottleneckQuery(Query):
    block: int | None = Field(None, ge=1, le=2**31 - 1, description="Building block id")
    network: int | None = Field(None, ge=1, le=2**31 - 1)
    party: int | None = Field(None, ge=1, le=2**31 - 1, description="Escalated to this party")
    dsv: int | None = Field(None, ge=1, le=2**31 - 1)
    status: BottleneckStatus | None = None
    late: Literal["late", "very_late"] | None = None
    mine: bool = Field(False, description="Only bottlenecks of my own DSVs")


class BottleneckCreate(Strict):
    dsv_id: int = Id
    title: str = Field(min_length=1, max_length=TITLE_MAX, pattern=r"\S")
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX, pattern=r"\S")
    building_block_id: int = Id
    owner_id: int | None = Field(None, ge=1, le=2**31 - 1, description="Default: yourself")
    impact: Impact = "medium"
    domain_ids: list[DbId] = Field(default_factory=list, max_length=20)
    is_confidential: bool = False


class BottleneckUpdate(Strict):
    """Only the fields you send change; `version` is the one you read (else 409)."""

    version: int = Id
    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX, pattern=r"\S")
    description: str | None = Field(None, min_length=1, max_length=DESCRIPTION_MAX, pattern=r"\S")
    building_block_id: int | None = Field(None, ge=1, le=2**31 - 1)
    owner_id: int | None = Field(None, ge=1, le=2**31 - 1)
    impact: Impact | None = None
    domain_ids: list[DbId] | None = Field(None, max_length=20)
    is_confidential: bool | None = None


# -- Escalations (Open311 GeoReport v2 "service requests") ---------------------------------------


class EscalationOut(Out):
    id: int
    bottleneck_id: int
    party_id: int = Field(description="The agency responsible")
    agency_responsible: str
    status: EscalationStatus
    status_notes: str = Field(description="The latest note on this escalation")
    request: str
    requested_datetime: AwareDatetime
    expected_datetime: AwareDatetime | None = Field(description="The deadline that runs now")
    updated_datetime: AwareDatetime
    forwarded_from_id: int | None
    version: int
    available_actions: list[EscalationAction] = Field(description="What this token may do now")


class EscalationQuery(Query):
    status: EscalationStatus | None = None


class EscalationAct(Strict):
    action: EscalationAction
    version: int = Field(ge=1, le=2**31 - 1, description="The version you read (else 409)")
    note: str = Field("", max_length=NOTE_MAX, description="Required by all but acknowledge")
    forward_to_party_id: int | None = Field(None, ge=1, le=2**31 - 1)


class EscalateIn(Strict):
    party_ids: list[DbId] = Field(min_length=1, max_length=20)
    request: str = Field(min_length=1, max_length=REQUEST_MAX, pattern=r"\S")


# -- Timeline, road blocks, events ---------------------------------------------------------------


class TimelineEventOut(Out):
    id: int
    subject_type: str
    subject_id: int
    escalation_id: int | None
    kind: str
    field: str | None
    old_value: str | None
    new_value: str | None
    body: str
    actor_id: int | None
    text: str = Field(description="What happened, translated")
    created_at: AwareDatetime


class UpdatesQuery(Query):
    since: AwareDatetime = Field(description="ISO 8601 with offset, e.g. 2026-01-01T00:00:00Z")


class RoadBlockOut(Out):
    id: int
    title: str
    description: str
    building_block_id: int
    party_id: int | None
    status: str
    bottleneck_ids: list[int] = Field(description="The members this token may see")
    created_at: AwareDatetime
    updated_at: AwareDatetime


class EventOut(Out):
    id: int
    kind: str
    title: str
    description: str
    organiser_party_id: int | None
    organiser_network_id: int | None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: str
    online_url: str
    audience: str
    status: str


class BuildingBlockPage(Page[BuildingBlockOut]):
    pass


class PartyPage(Page[PartyOut]):
    pass


class NetworkPage(Page[NetworkOut]):
    pass


class DsvPage(Page[DsvOut]):
    pass


class BottleneckPage(Page[BottleneckOut]):
    pass


class EscalationPage(Page[EscalationOut]):
    pass


class TimelinePage(Page[TimelineEventOut]):
    pass


class RoadBlockPage(Page[RoadBlockOut]):
    pass


class EventPage(Page[EventOut]):
    pass
