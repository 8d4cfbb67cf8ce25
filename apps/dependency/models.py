"""The dependency tracker: escalations from reps to managers, topics and who really handles
them, the let-it-ring callback, and service detours (work a support team does better)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.tenancy.managers import TenantOwned

NOTE_MAX_LENGTH = 500


class Topic(TenantOwned):
    """What escalations are about, and who really handles it ("pricing → inside sales")."""

    name = models.CharField(_("name"), max_length=80)
    handled_by_team = models.ForeignKey(
        "tenancy.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False, verbose_name=_("team that handles it"),
    )  # fmt: skip
    handled_by_member = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False, verbose_name=_("person who handles it"),
    )  # fmt: skip
    how_to = models.TextField(_("how to"), blank=True, max_length=1000)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta(TenantOwned.Meta):
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="topic_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Escalation(TenantOwned):
    """One time a rep took a problem to their manager."""

    class Channel(models.TextChoices):
        CALL = "call", _("Call")
        VOICEMAIL = "voicemail", _("Voicemail")
        TEXT = "text", _("Text message")
        EMAIL = "email", _("E-mail")
        CHAT = "chat", _("Chat")
        IN_PERSON = "in_person", _("In person")

    class Urgency(models.TextChoices):
        URGENT = "urgent", _("Urgent: handled now")
        ROUTINE = "routine", _("Routine: let it ring")

    class Outcome(models.TextChoices):
        PENDING = "", _("Not recorded yet")
        SOLVED_ALONE = "solved_alone", _("Rep solved it alone before the callback")
        MANAGER_SOLVED = "manager_solved", _("Manager solved it")
        REDIRECTED = "redirected", _("Redirected to a support person or team")
        UNRESOLVED = "unresolved", _("Unresolved")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Logged in the app")
        API = "api", _("API")
        IMPORT = "import", _("Phone-system import")

    rep = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="escalations",
        db_index=False,
    )  # fmt: skip
    manager = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="escalations_received",
        db_index=False,
    )  # fmt: skip
    occurred_at = models.DateTimeField(_("when"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="escalations",
        db_index=False, verbose_name=_("topic"),
    )  # fmt: skip
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices)
    note = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    # Same rep, same topic, within the previous 30 days: the rep never learned whom to call.
    # Kept on the row (set when the topic is known) so reports over a year stay one scan.
    repeats_topic = models.BooleanField(default=False)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True, default=""
    )
    redirected_to_member = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False, verbose_name=_("redirected to"),
    )  # fmt: skip
    redirected_to_team = models.ForeignKey(
        "tenancy.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False, verbose_name=_("redirected to team"),
    )  # fmt: skip
    manager_minutes = models.PositiveIntegerField(_("manager's minutes"), null=True, blank=True)
    rep_minutes = models.PositiveIntegerField(_("rep's minutes"), null=True, blank=True)
    # Let it ring: routine escalations get a callback time; the scanner reminds the manager.
    callback_due_at = models.DateTimeField(null=True, blank=True)
    callback_reminded_at = models.DateTimeField(null=True, blank=True)
    called_back_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    import_key = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "import_key"],
                condition=~models.Q(import_key=""),
                name="escalation_unique_import_key",
            ),
            models.CheckConstraint(
                condition=~models.Q(urgency="urgent") | models.Q(callback_due_at__isnull=True),
                name="escalation_urgent_has_no_callback",
            ),
        ]
        indexes = [
            # The reports read a period of the organisation's escalations: these columns
            # included, PostgreSQL answers from the index alone (docs/benchmarks.md).
            models.Index(
                fields=["organization", "occurred_at"],
                include=[
                    "id",
                    "rep",
                    "topic",
                    "urgency",
                    "outcome",
                    "repeats_topic",
                    "manager_minutes",
                    "rep_minutes",
                ],
                name="esc_report_idx",
            ),
            # A rep's escalations; with the topic, a team's report counts its topics from
            # the index alone.
            models.Index(
                fields=["organization", "rep", "occurred_at"],
                include=["topic"],
                name="esc_rep_topic_idx",
            ),
            models.Index(fields=["organization", "manager", "occurred_at"], name="esc_manager_idx"),
            # A topic's escalations: what its new support team changes in the weekly sums.
            models.Index(
                fields=["organization", "topic"],
                include=["rep", "occurred_at", "outcome"],
                name="esc_topic_idx",
            ),
            models.Index(
                fields=["organization", "callback_due_at"],
                name="esc_callback_due_idx",
                condition=models.Q(callback_reminded_at__isnull=True, outcome=""),
            ),
            # "Callbacks due": every open callback in due order, reminded or not. Without it
            # the page sorted all of a large organisation's open escalations (300 ms).
            models.Index(
                fields=["organization", "callback_due_at", "id"],
                name="esc_open_callback_idx",
                condition=models.Q(callback_due_at__isnull=False, outcome=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Escalation #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.PENDING


class EscalationChange(TenantOwned):
    """Who changed what on an escalation, and when: the history shown on its page."""

    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    changed_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "escalation"], name="escchange_esc_idx"),
        ]

    def __str__(self) -> str:
        return f"Change of {self.escalation_id}"


class ServiceDetour(TenantOwned):
    """A customer request that reached a rep but belongs to a support team."""

    class Kind(models.TextChoices):
        WRONG_ITEM = "wrong_item", _("Wrong item shipped")
        REPAIR = "repair", _("Repair")
        PRICE_QUOTE = "price_quote", _("Price quote")
        ORDER_STATUS = "order_status", _("Order status")
        BILLING = "billing", _("Billing or credit")
        OTHER = "other", _("Other")

    rep = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="service_detours",
        db_index=False,
    )  # fmt: skip
    occurred_at = models.DateTimeField(_("when"))
    kind = models.CharField(_("what it was"), max_length=16, choices=Kind.choices)
    team = models.ForeignKey(
        "tenancy.Team", on_delete=models.PROTECT, related_name="+", db_index=False,
        verbose_name=_("team it should have gone to"),
    )  # fmt: skip
    minutes = models.PositiveIntegerField(_("minutes it took"))
    note = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "occurred_at"],
                include=["rep", "minutes"],  # the report's per-rep sums, from the index alone
                name="detour_report_idx",
            ),
            models.Index(fields=["organization", "rep", "occurred_at"], name="detour_rep_idx"),
        ]

    def __str__(self) -> str:
        return f"Detour #{self.pk}"


def import_upload_path(instance: "CallImport", filename: str) -> str:
    """Uploaded files live under their organisation's folder, never a shared one."""
    return f"imports/org{instance.organization_id}/{instance.public_id}.csv"


class CallImport(TenantOwned):
    """An uploaded phone-system call log, turned into escalations by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(editable=False)
    uploaded_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    file = models.FileField(upload_to=import_upload_path, max_length=300)
    original_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total_bytes = models.PositiveBigIntegerField(default=0)
    processed_bytes = models.PositiveBigIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    escalations_created = models.PositiveIntegerField(default=0)
    callbacks_matched = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # The first rejected rows, capped to stay small: {"line", "reason"} and, where known,
    # the "column" and the offending "value" (see imports._reject).
    rejections = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="callimport_idx")]

    def __str__(self) -> str:
        return self.original_name or str(self.public_id)

    @property
    def progress_percent(self) -> int:
        if not self.total_bytes:
            return 0 if self.status != self.Status.DONE else 100
        return min(100, round(100 * self.processed_bytes / self.total_bytes))


# The report's weekly sums. PostgreSQL keeps them with triggers on the escalations (migration
# 0007): every insert, change and delete adds its difference in the same transaction, so a
# year of a large organisation is about 70 000 rows to add up instead of 500 000 to count.
# The week is the organisation's local week (Monday first). The columns are plain integers on
# purpose: they are only ever changed by the triggers, never by the application.
class EscalationWeek(TenantOwned):
    """One rep's escalation figures for one local week (see apps/dependency/reports.py)."""

    rep = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    week_start = models.DateField()
    escalations = models.IntegerField(default=0)
    urgent = models.IntegerField(default=0)
    routine_answered = models.IntegerField(default=0)
    routine_solved_alone = models.IntegerField(default=0)
    solved_alone = models.IntegerField(default=0)
    repeats = models.IntegerField(default=0)
    supportable = models.IntegerField(default=0)
    manager_minutes = models.BigIntegerField(default=0)
    rep_minutes = models.BigIntegerField(default=0)

    class Meta(TenantOwned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "week_start", "rep"], name="escweek_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Week {self.week_start} of {self.rep_id}"


class TopicWeek(TenantOwned):
    """Escalations per topic for one local week, the whole organisation (0 = no topic)."""

    week_start = models.DateField()
    topic_key = models.BigIntegerField()
    escalations = models.IntegerField(default=0)

    class Meta(TenantOwned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "week_start", "topic_key"], name="topicweek_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Week {self.week_start} of topic {self.topic_key}"
