"""Settings of the marketing service, read from ``CRM_MARKETING_*`` (and ``CRM_*``) variables.

Every number of the marketing rules (DOMAIN.md §5) is a setting: the frequency cap, the quiet
hours and their time zone, the pace of the sender, the address customers' links point at.
"""

from datetime import date, time
from decimal import Decimal
from typing import ClassVar, Literal

from crm_shared.contracts.marketing import MarketingChannel, WinbackAction, WinbackStage
from crm_shared.fields import TimeZone
from crm_shared.settings import ServiceSettings
from pydantic import BaseModel, Field, SecretStr


class Holiday(BaseModel):
    date: date
    name: str = Field(min_length=1, max_length=20)
    subject: str
    text: str


class MarketingSettings(ServiceSettings):
    service_name: ClassVar[str] = "marketing"

    port: int = 8002

    # --- consent to the letter ---
    # At most this many marketing messages to one customer over the window (all campaigns
    # and channels together); a message past the cap is skipped, counted "frequency_cap".
    frequency_cap: int = Field(3, ge=1)
    frequency_cap_days: int = Field(7, ge=1, le=90)
    # No e-mail or SMS between these times of the customer's day, in their own time zone
    # (time_zone where the master knows none): a message falling inside waits for the end.
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)
    time_zone: TimeZone = "UTC"

    # --- the sender ---
    send_batch_size: int = Field(500, ge=1, le=10_000)  # messages claimed and sent at once
    send_idle_poll_seconds: float = Field(1.0, gt=0)  # how often an idle sender looks again
    # A batch claimed longer ago than this (its sender died in the middle) is never sent
    # again: a campaign sends at most once; its messages count as "unknown".
    send_claim_lease_seconds: int = Field(600, ge=1)
    # A message its channel could not take (server down) is tried again after this.
    send_retry_minutes: int = Field(5, ge=1)

    # --- customers' links: unsubscribe, the open pixel, tracked clicks ---
    public_url: str = "http://127.0.0.1:8002"  # how customers reach this service
    # The key that signs them (when not set, one generated once under the data folder).
    link_secret: SecretStr | None = None
    # E-mails carry Reply-To: reply+<signed token>@<this domain> when set; its inbound mail
    # provider posts the replies to /v1/inbound/replies (a reply is the customer's response).
    reply_domain: str | None = Field(None, pattern=r"^[A-Za-z0-9.-]+$", max_length=200)

    # --- win-back (DOMAIN.md §5): the stages by days without a purchase, their actions ---
    winback_enabled: bool = True
    winback_windows: dict[WinbackStage, int] = Field(
        default_factory=lambda: {
            WinbackStage.REMINDER: 90,
            WinbackStage.FOLLOW_UP: 180,
            WinbackStage.RECALL: 365,
        }
    )
    winback_actions: dict[WinbackStage, WinbackAction] = Field(
        default_factory=lambda: {
            WinbackStage.REMINDER: WinbackAction.SMS_REMINDER,
            WinbackStage.FOLLOW_UP: WinbackAction.OWNER_CALL,
            WinbackStage.RECALL: WinbackAction.RECALL_OFFER,
        }
    )
    # What each action costs (the service's currency): a customer worth less a year is let go.
    winback_costs: dict[WinbackAction, Decimal] = Field(
        default_factory=lambda: {
            WinbackAction.SMS_REMINDER: Decimal("0.10"),
            WinbackAction.OWNER_CALL: Decimal("15.00"),
            WinbackAction.RECALL_OFFER: Decimal("5.00"),
            WinbackAction.VIP_VISIT: Decimal("0"),
        }
    )
    winback_excluded_credit_grades: list[str] = Field(default_factory=lambda: ["E"])
    winback_excluded_tags: list[str] = Field(default_factory=lambda: ["malicious-arrears"])
    winback_vip_classes: list[str] = Field(default_factory=lambda: ["VIP"])
    winback_vip_tag: str = "vip"
    # Analytics' ``customer.inactive`` decides each stage (with its CLV prediction as the
    # expected value); marketing's own timer per buyer is the fallback, deciding a stage this
    # many days after it starts if analytics has not (analytics down, the customer unscored).
    winback_fallback_days: int = Field(3, ge=0, le=365)
    # The programmes' messages (templates like a campaign's).
    winback_reminder_text: str = (
        "{{ first_name | default('Hello') }}, we have missed you! Come and see what is new."
    )
    winback_call_script: str = (
        "{{ name }} has not bought for a while: ask how we can help, and what kept them away."
    )
    winback_recall_subject: str = (
        "{{ first_name | default('Hello') }}, an offer to welcome you back"
    )
    winback_recall_text: str = (
        "Dear {{ first_name | default('customer') }},\n\nit has been a while. As a welcome "
        "back, enjoy 15% off your next order."
    )

    # --- care programmes: birthdays, holidays, check-ups (each a standing campaign) ---
    # The care run, in time_zone: hourly, so each customer is greeted on their own day in
    # their own zone, at the first run past care_greeting_time there.
    care_cron: str = "0 * * * *"
    care_greeting_time: time = time(9, 0)  # greetings go from this time of the customer's day
    care_birthday_channel: MarketingChannel = MarketingChannel.EMAIL
    care_birthday_subject: str = "Happy birthday, {{ first_name | default('dear customer') }}!"
    care_birthday_text: str = (
        "Happy birthday, {{ first_name | default('dear customer') }}! All of us wish you a "
        "wonderful day."
    )
    # '[{"date": "2026-12-24", "name": "Christmas", "subject": "...", "text": "..."}]'
    care_holidays: list[Holiday] = Field(default_factory=list)
    care_holiday_channel: MarketingChannel = MarketingChannel.EMAIL
    # A check-up reminder this many days after a customer's last order (null: none).
    care_checkup_days: int | None = Field(180, ge=1)
    care_checkup_channel: MarketingChannel = MarketingChannel.EMAIL
    care_checkup_subject: str = "Time for a check-up, {{ first_name | default('dear customer') }}"
    care_checkup_text: str = (
        "It has been a while since your last order: book a free check-up and keep everything "
        "running smoothly."
    )

    # --- proactive care (DOMAIN.md §5): VIPs' periodic calls, care before promotion ---
    care_vip_classes: list[str] = Field(default_factory=lambda: ["VIP"])  # analytics' classes
    # A VIP's owner gets a call task this often (the first one after this long as a VIP).
    care_vip_call_days: int = Field(90, ge=1, le=3650)
    care_vip_call_script: str = (
        "{{ name }} is one of our most valued customers: call to ask how they are doing and "
        "whether we can help."
    )
    # A customer whose churn risk rises to high gets a care call task for the owner, and no
    # promotional message for this many days after it (skipped as "care_first"; 0: none).
    care_first_days: int = Field(14, ge=0, le=365)
    care_churn_call_script: str = (
        "{{ name }} may be drifting away: call to ask how they are and what we could do better."
    )

    # --- member events: club events and lectures (their invitations, reminder, cancellation) ---
    # The reminder goes this many hours before the event unless the event says otherwise.
    member_event_reminder_hours: int = Field(48, ge=1, le=24 * 60)
    member_event_cancellation_subject: str = "Cancelled: {{ campaign }}"
    member_event_cancellation_text: str = (
        "Dear {{ first_name | default('member') }},\n\nwe are sorry: {{ campaign }} is cancelled."
    )

    # --- evaluation ---
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")  # budgets, costs and revenue
    # Units of each other currency per unit of ``currency`` ('{"USD": 1.08}'); an order in a
    # currency without a rate counts as an order, with no revenue.
    exchange_rates: dict[str, float] = Field(default_factory=dict)
    # An order is credited to the campaigns whose messages reached the customer in the days
    # before it: the newest one (last_touch), the first (first_touch) or all alike (linear).
    attribution_window_days: int = Field(30, ge=1, le=365)
    attribution_model: Literal["last_touch", "first_touch", "linear"] = "last_touch"

    # --- channels (crm_marketing.channels): where messages go ---
    # E-mail: CRM_MARKETING_SMTP_URL, smtp://[user:password@]host[:port][?starttls=true] or
    # smtps:// (TLS from the first byte). A secret: it may carry the password. The default is
    # the development mail catcher `crm up` starts (its messages land in <data dir>/mail).
    smtp_url: SecretStr = SecretStr("smtp://127.0.0.1:1025")
    mail_from: str = "CRM <crm@localhost>"
    smtp_timeout_seconds: float = Field(30.0, gt=0)
    # SMS: the provider's HTTP endpoint (default: the development sink `crm up` starts, which
    # appends to <data dir>/sms/messages.jsonl) and the JSON body posted to it, whose string
    # values may hold {to}, {text}, {message_id} and {customer_id}.
    sms_url: str = "http://127.0.0.1:8025/messages"
    sms_body_template: str = '{"to": "{to}", "text": "{text}", "reference": "{message_id}"}'
    # Sent as the header sms_auth_header_name when set (e.g. "Bearer <key>").
    sms_auth_header: SecretStr | None = None
    sms_auth_header_name: str = "Authorization"
    sms_timeout_seconds: float = Field(10.0, gt=0)
    # Requests in flight at once per batch: a provider's rate limit is the other bound.
    sms_concurrency: int = Field(8, ge=1)
