"""The tables. Every datetime column is `UtcDateTime` (bot.storage.utc): aware UTC in, aware UTC out."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, String, Text, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

# The outbox's, members', subscribers', paging's, reminder messages', announcements', left channels' and the App
# Home's tables live in modules of their own, loaded with these: one import gives the whole schema (Alembic, tests).
from bot.storage import (  # noqa: F401
    announcement_tables,
    effect_tables,
    home_tables,
    left_channel_tables,
    member_tables,
    paging_tables,
    reminder_tables,
    subscriber_tables,
)
from bot.storage.utc import utc_column

OPEN = text("status != 'resolved'")
REMINDING = text("remind_at IS NOT NULL")
# Listed on the status page (a first update published) and not publicly resolved yet.
PUBLIC_OPEN = text("listed_at IS NOT NULL AND public_resolved_at IS NULL")
PUBLIC_RESOLVED = text("public_resolved_at IS NOT NULL")
LISTED = text("listed_at IS NOT NULL")
# What the public may read of an incident (listed and not private): the status page's history
# looks each impact's incident up in ix_incident_public (bot.storage.history).
PUBLIC = text("listed_at IS NOT NULL AND private IS false")
RESOLVED = text("status = 'resolved'")


class WorkspaceRow(SQLModel, table=True):
    """One row per Slack workspace: the last incident number handed out there."""

    __tablename__ = "workspace"

    team_id: str = Field(primary_key=True, max_length=32)
    last_number: int = Field(default=0)


class IncidentRow(SQLModel, table=True):
    __tablename__ = "incident"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_incident_team_number"),
        Index("ix_incident_open", "team_id", "number", sqlite_where=OPEN, postgresql_where=OPEN),
        Index("ix_incident_channel", "channel_id", unique=True),
        Index("ix_incident_remind_at", "remind_at", sqlite_where=REMINDING, postgresql_where=REMINDING),
        Index("ix_incident_listed", "listed_at", sqlite_where=LISTED, postgresql_where=LISTED),
        Index("ix_incident_public", "id", sqlite_where=PUBLIC, postgresql_where=PUBLIC),
        Index("ix_incident_public_open", "listed_at", sqlite_where=PUBLIC_OPEN, postgresql_where=PUBLIC_OPEN),
        Index(
            "ix_incident_public_resolved",
            "public_resolved_at",
            sqlite_where=PUBLIC_RESOLVED,
            postgresql_where=PUBLIC_RESOLVED,
        ),
        # the recurrence check and the insights read incidents by when their impact began
        Index("ix_incident_team_started", "team_id", "impact_started_at"),
        Index("ix_incident_team_resolved", "team_id", "resolved_at", sqlite_where=RESOLVED, postgresql_where=RESOLVED),
        Index("ix_incident_open_severity", "team_id", "severity", "number", sqlite_where=OPEN, postgresql_where=OPEN),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    number: int
    # As written, Slack markup included: the 150-character limit counts what a reader sees (domain).
    # PostgreSQL stores it as TEXT (migration 0005); SQLite never enforced VARCHAR lengths.
    title: str = Field(sa_column=Column(String(150).with_variant(Text(), "postgresql"), nullable=False))
    severity: int
    status: str = Field(max_length=16)
    lead: str = Field(max_length=32)
    comms: str | None = Field(default=None, max_length=32)  # bot.domain.roles; None: unset
    scribe: str | None = Field(default=None, max_length=32)
    opened_by: str = Field(max_length=32)
    attack: str = Field(max_length=16)
    impact: str = Field(default="", sa_column=Column(Text, nullable=False))
    # every language's impact text, `[["en", "..."], ["fr", "..."]]`, the default first (bot.domain.impacts)
    impacts: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    channel_id: str | None = Field(default=None, max_length=32)
    channel_name: str | None = Field(default=None, max_length=80)
    card_ts: str | None = Field(default=None, max_length=32)
    origin_channel: str | None = Field(default=None, max_length=32)
    impact_started_at: datetime = utc_column()
    opened_at: datetime = utc_column()
    status_since: datetime = utc_column()
    resolved_at: datetime | None = utc_column(nullable=True)
    updated_at: datetime = utc_column()
    last_update_at: datetime = utc_column()  # the last change people were told about
    last_reminded_at: datetime | None = utc_column(nullable=True)
    # the next public update (docs/behaviour.md, Update promises and reminders; bot.domain.reminders)
    update_due: datetime | None = utc_column(nullable=True)  # due by; None: no deadline (off, resolved)
    update_due_since: datetime | None = utc_column(nullable=True)  # the cadence counted from
    remind_at: datetime | None = utc_column(nullable=True)  # the next nudge or escalation
    reminders_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # for this deadline
    reminder_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # +1 at each change
    # durations stored at the latest close (docs/behaviour.md, Durations), in seconds
    total_seconds: float | None = None
    identify_seconds: float | None = None
    mitigate_seconds: float | None = None
    detection_lag_seconds: float | None = None
    alert_lag_seconds: float | None = None  # first alert attached -> opened (bot.triage)
    # the public face (docs/behaviour.md, Status page): built only from published updates
    public_title: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    listed_at: datetime | None = utc_column(nullable=True)  # its first public update
    public_started_at: datetime | None = utc_column(nullable=True)  # impact start as of that update
    public_resolved_at: datetime | None = utc_column(nullable=True)  # its latest update said resolved
    # private incidents (bot.domain.visibility): never listed; made public, only later updates show
    private: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    public_since: datetime | None = utc_column(nullable=True)
    channel_private: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # migration 0023
    # the retrospective (bot.domain.retro.RetroState), pending until done or waived; why, as written (TEXT: 0037)
    retro_state: str = Field(default="pending", max_length=16)
    retro_note: str = Field("", sa_column=Column(String(300).with_variant(Text(), "postgresql"), nullable=False))
    retro_decided_at: datetime | None = utc_column(nullable=True)
    retro_reminded_at: datetime | None = utc_column(nullable=True)


class TimelineRow(SQLModel, table=True):
    __tablename__ = "timeline_entry"
    __table_args__ = (
        Index("ix_timeline_incident_at", "incident_id", "at", "id"),
        UniqueConstraint("incident_id", "source", name="uq_timeline_source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    at: datetime = utc_column()
    recorded_at: datetime = utc_column()
    actor: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    status_from: str | None = Field(default=None, max_length=16)
    status_to: str | None = Field(default=None, max_length=16)
    source: str | None = Field(default=None, max_length=64)
    link: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # a copied message's permalink


IMPACT_HOLDS = text("ended_at IS NULL")


class ComponentImpactRow(SQLModel, table=True):
    """A catalog component in one state because of one incident, from `started_at` until `ended_at`
    (NULL while it holds): bot.domain.affects. `component_id` is the catalog's id, kept when the
    catalog no longer has it, so past records stay exact."""

    __tablename__ = "component_impact"
    __table_args__ = (
        Index("ix_component_impact_incident", "incident_id", "started_at"),
        # the status page's history: what ended inside the days it shows, and what still holds
        Index("ix_component_impact_ended", "ended_at"),
        Index("ix_component_impact_holds", "incident_id", sqlite_where=IMPACT_HOLDS, postgresql_where=IMPACT_HOLDS),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    component_id: str = Field(max_length=64)
    state: str = Field(max_length=32)  # a ComponentState: Statuspage's enum value
    started_at: datetime = utc_column()
    ended_at: datetime | None = utc_column(nullable=True)
    ended_by_resolution: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class CatalogComponentRow(SQLModel, table=True):
    """A catalog component as first stored: its id and when it first appeared in the catalog
    (bot.storage.history.sync, at start); kept when the file drops it, so its Statuspage
    `created_at` is the same across restarts and edits of the file."""

    __tablename__ = "catalog_component"

    id: str = Field(primary_key=True, max_length=64)
    added_at: datetime = utc_column()


class IncidentLinkRow(SQLModel, table=True):
    """Two incidents a responder linked as related (`/incident related`), stored once per pair.

    `first_id` < `second_id`, so a pair has one row whichever side linked it.
    """

    __tablename__ = "incident_link"
    __table_args__ = (Index("ix_incident_link_second", "second_id"),)

    first_id: int = Field(foreign_key="incident.id", primary_key=True)
    second_id: int = Field(foreign_key="incident.id", primary_key=True)
    linked_by: str = Field(max_length=32)
    linked_at: datetime = utc_column()


OPEN_ACTION = text("done_at IS NULL")


class FollowUpRow(SQLModel, table=True):
    """An action to take after an incident (`/incident followup`); people name it by its id."""

    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_incident", "incident_id"),
        Index(
            "ix_follow_up_open_due",
            "due",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
        Index("ix_follow_up_open_owner", "owner", sqlite_where=OPEN_ACTION, postgresql_where=OPEN_ACTION),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    incident_id: int = Field(foreign_key="incident.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    owner: str | None = Field(default=None, max_length=32)
    due: date | None = None
    created_by: str = Field(max_length=32)
    created_at: datetime = utc_column()
    done_by: str | None = Field(default=None, max_length=32)
    done_at: datetime | None = utc_column(nullable=True)
    reminded_at: datetime | None = utc_column(nullable=True)


class SlackEventRow(SQLModel, table=True):
    """Slack event ids already handled, so a redelivered event records nothing twice."""

    __tablename__ = "slack_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = utc_column()


class DraftRow(SQLModel, table=True):
    """A public update drafted for one status, language and length, waiting for a person."""

    __tablename__ = "draft"
    __table_args__ = (Index("ix_draft_incident_state", "incident_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    status: str = Field(max_length=16)  # the incident status it was written for
    attack: str = Field(max_length=16)  # the assessment it was written under
    language: str = Field(max_length=16)
    length: str = Field(max_length=8)  # short | long
    text: str = Field(sa_column=Column(Text, nullable=False))
    warnings: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list
    state: str = Field(default="proposed", max_length=16)  # a DraftState (bot.domain.drafts)
    state_reason: str = Field(default="", max_length=300)
    created_by: str = Field(max_length=32)
    created_at: datetime = utc_column()
    edited_by: str | None = Field(default=None, max_length=32)
    edited_at: datetime | None = utc_column(nullable=True)
    decided_by: str | None = Field(default=None, max_length=32)  # who published or discarded it
    decided_at: datetime | None = utc_column(nullable=True)
    message_ts: str | None = Field(default=None, max_length=32)  # the draft's message in the incident channel
    published_ts: str | None = Field(default=None, max_length=32)  # its post in INCIDENT_STATUS_CHANNEL
    promises_by: datetime | None = utc_column(nullable=True)  # its "next update by", if any
    corrected_by: str | None = Field(default=None, max_length=32)  # the latest correction once published
    corrected_at: datetime | None = utc_column(nullable=True)


class PublicVersionRow(SQLModel, table=True):
    """One row (id 1): goes up with every change the status page or a feed can show (bot.storage.public)."""

    __tablename__ = "public_version"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(sa_column=Column(BigInteger, nullable=False))
    changed_at: datetime | None = utc_column(nullable=True)  # when `version` last went up
    first_served_at: datetime | None = utc_column(nullable=True)  # a page was first served with nothing public


class PromiseRow(SQLModel, table=True):
    """A published update's "next update by", and when the next public update came (kept or late)."""

    __tablename__ = "update_promise"
    __table_args__ = (Index("ix_update_promise_incident", "incident_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    draft_id: int | None = Field(default=None, foreign_key="draft.id")  # the update that promised
    made_at: datetime = utc_column()
    promised_by: datetime = utc_column()
    settled_at: datetime | None = utc_column(nullable=True)  # the next public update was published
    settled_by: int | None = Field(default=None, foreign_key="draft.id")  # ... this one


# --- alerts (bot.domain.alerts) ----------------------------------------------------------------

OPEN_GROUP = text("triage = 'open'")
DECLARING = text("declare_at IS NOT NULL")


class AlertGroupRow(SQLModel, table=True):
    """A group of alerts as its sender keys it (`groupKey`, or an event's dedup key), once per source
    and sender (the token's name: prod's and staging's Alertmanagers send the same `groupKey`).

    `key_hash`: the SHA-256 of sender and group key (`alerts.key_hash`), unique: one group for any processes."""

    __tablename__ = "alert_group"
    __table_args__ = (
        UniqueConstraint("source", "key_hash", name="uq_alert_group_key"),
        Index("ix_alert_group_open", "last_seen_at", sqlite_where=OPEN_GROUP, postgresql_where=OPEN_GROUP),
        Index("ix_alert_group_declare_at", "declare_at", sqlite_where=DECLARING, postgresql_where=DECLARING),
        Index("ix_alert_group_incident", "incident_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)  # a bot.domain.alerts.Source
    key_hash: str = Field(max_length=64)
    group_key: str = Field(sa_column=Column(Text, nullable=False))
    sender: str = Field(max_length=64)  # the token's name the group first came with
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it is shown in
    summary: str = Field(sa_column=Column(Text, nullable=False))
    title: str = Field(sa_column=Column(Text, nullable=False))  # an incident declared from it is called so
    severity: int
    rule: str | None = Field(default=None, max_length=80)  # the rule that decided, if any
    group_labels: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON objects
    common_labels: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    common_annotations: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    external_url: str = Field(default="", sa_column=Column(Text, nullable=False))
    truncated: int = Field(default=0)  # alerts its latest notification left out
    first_seen_at: datetime = utc_column()
    last_seen_at: datetime = utc_column()
    changed_at: datetime = utc_column()  # an alert of it last fired, resolved or was acknowledged
    triage: str = Field(default="open", max_length=16)  # a bot.domain.alerts.Triage
    triage_version: int = Field(default=0)  # +1 at every decision: its message's buttons carry it
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = utc_column(nullable=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    message_ts: str | None = Field(default=None, max_length=32)  # its message in INCIDENT_ALERT_CHANNEL
    declare_at: datetime | None = utc_column(nullable=True)  # a rule declares it then, if it still fires


class AlertRow(SQLModel, table=True):
    """One alert per source, sender and key (`fingerprint`, or an event's dedup key), whatever its groups."""

    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("source", "sender", "key", name="uq_alert_key"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    sender: str = Field(default="", max_length=64)  # its groups': prod's and staging's alike labelled alerts are two
    key: str = Field(max_length=255)
    name: str = Field(sa_column=Column(Text, nullable=False))  # alertname, else summary
    labels: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON objects
    annotations: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    links: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON [[label, url], ...]
    status: str = Field(max_length=16)  # a bot.domain.alerts.AlertStatus
    starts_at: datetime | None = utc_column(nullable=True)  # the current (or last) firing began
    ends_at: datetime | None = utc_column(nullable=True)  # it resolved; None while firing
    first_fired_at: datetime | None = utc_column(nullable=True)
    acknowledged_at: datetime | None = utc_column(nullable=True)
    fired: int = Field(default=0)  # how many times it began firing
    first_seen_at: datetime = utc_column()
    last_seen_at: datetime = utc_column()


class AlertMemberRow(SQLModel, table=True):
    """An alert in a group (an alert routed to two receivers is in two groups, stored once)."""

    __tablename__ = "alert_group_member"
    __table_args__ = (Index("ix_alert_group_member_alert", "alert_id"),)

    group_id: int = Field(foreign_key="alert_group.id", primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", primary_key=True)
