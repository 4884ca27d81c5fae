"""Assessment of units (考核): a scheme for a year and a population of units, its scored items, grade bands,
manual scores, adjustments (incentives, demerits, vetoes), fault-tolerance requests (容错) and the published
results. Data and constraints only; the rules live in `scoring` (pure) and `services`."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bihuan.core.models import EvidenceFileFields, TimeStampedModel
from bihuan.indicators.models import Indicator, PeerGroup
from bihuan.org.models import Unit

points_field_options = {"max_digits": 7, "decimal_places": 2}


class SchemeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", pgettext_lazy("scheme", "Open")
    PREVIEW = "preview", _("Preview")
    PUBLISHED = "published", _("Published")


class Scheme(TimeStampedModel):
    """考核方案: what is scored, how, and how the totals become grades, for one year and one set of units."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    units = models.ManyToManyField(Unit, verbose_name=_("units assessed"), related_name="assessment_schemes")
    state = models.CharField(_("state"), max_length=12, choices=SchemeState.choices, default=SchemeState.DRAFT)
    as_of = models.DateField(
        _("facts as of"),
        null=True,
        blank=True,
        help_text=_("The day tasks and reports are counted up to. Empty: today, and at most 31 December."),
    )
    incentive_cap = models.DecimalField(
        _("incentive cap"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("At most this many bonus points per unit. Empty: no cap."),
        **points_field_options,
    )
    # Automatic demerits from supervision events (0 = the rule is off).
    demerit_per_red_task = models.DecimalField(
        _("points off per red task"), default=0, validators=[MinValueValidator(0)], **points_field_options
    )
    demerit_per_overdue_task = models.DecimalField(
        _("points off per overdue task"), default=0, validators=[MinValueValidator(0)], **points_field_options
    )
    demerit_per_returned_report = models.DecimalField(
        _("points off per returned report"), default=0, validators=[MinValueValidator(0)], **points_field_options
    )
    demerit_per_notice = models.DecimalField(
        _("points off per supervision notice"), default=0, validators=[MinValueValidator(0)], **points_field_options
    )
    demerit_cap = models.DecimalField(
        _("automatic demerits cap"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("At most this many points off per unit from automatic demerits. Empty: no cap."),
        **points_field_options,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The frozen results (the same structure the preview computes) and their SHA-256, also in the audit chain.
    snapshot = models.JSONField(default=dict, blank=True, editable=False)
    snapshot_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, help_text="bumped by every transition, for conflict checks")

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="scheme_name_unique_per_year")]

    def __str__(self) -> str:
        # "2026年度县区考核" names its year already; "County assessment" does not
        return self.name if str(self.year) in self.name else f"{self.year} {self.name}"

    @property
    def locked(self) -> bool:
        return self.state == SchemeState.PUBLISHED


class Method(models.TextChoices):
    DELIVERY = "delivery", _("Task delivery")
    INDICATOR_RANK = "indicator_rank", _("Indicator rank")
    INDICATOR_TARGET = "indicator_target", _("Indicator target")
    MANUAL = "manual", _("Manual scoring")


class RankBasis(models.TextChoices):
    VALUE = "value", _("Value")
    GROWTH = "growth", _("Growth")


class NoBasis(models.TextChoices):
    """What a unit gets for an item it has nothing to be scored on: no key task led, no figure or rank in the
    peer group, no yearly target, no manual score. Schemes say it in words like 无此项任务的按满分计 or
    无该项指标的，其权重按比例分配到其他指标."""

    ZERO = "zero", _("0 points")
    FULL = "full", _("full points")
    AVERAGE = "average", _("the average of the units scored")
    SPREAD = "spread", _("its weight goes to the unit's other items")

    @classmethod
    def usual(cls, method: str | None) -> NoBasis:
        """When a scheme does not say: a unit that leads no key task has nothing overdue, so full delivery
        points; for the other methods nothing to score is 0."""
        return cls.FULL if method == "delivery" else cls.ZERO


class Item(TimeStampedModel):
    """One scored item of a scheme. Every item gives 0–100 points (a target item up to its cap) and counts
    with its weight, in percent of the total. Which fields matter depends on the method."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="items", verbose_name=_("scheme"))
    name = models.CharField(_("name"), max_length=120)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    weight = models.DecimalField(
        _("weight %"), validators=[MinValueValidator(0), MaxValueValidator(100)], **points_field_options
    )
    sort_order = models.IntegerField(_("order"), default=0)
    no_basis = models.CharField(
        _("a unit with nothing to score gets"),
        max_length=8,
        choices=NoBasis.choices,
        default=NoBasis.ZERO,
        help_text=_("e.g. a unit that leads no key task, has no figure in the peer group or no yearly target"),
    )
    # task delivery
    base_points = models.DecimalField(_("base points"), default=100, **points_field_options)
    per_overdue_task = models.DecimalField(_("off per overdue task"), default=0, **points_field_options)
    per_late_report = models.DecimalField(_("off per late report"), default=0, **points_field_options)
    per_missing_report = models.DecimalField(_("off per missing report"), default=0, **points_field_options)
    per_return = models.DecimalField(_("off per returned report"), default=0, **points_field_options)
    max_off = models.DecimalField(_("at most off"), null=True, blank=True, **points_field_options)
    # indicator rank and indicator target
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("indicator")
    )
    peer_group = models.ForeignKey(
        PeerGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("peer group")
    )
    period = models.CharField(
        _("period"), max_length=10, blank=True, help_text=_("e.g. 2025, 2025-Q4 or 2025-12; empty: the latest")
    )
    rank_basis = models.CharField(
        _("rank by"), max_length=8, choices=RankBasis.choices, default=RankBasis.VALUE, blank=True
    )
    rank_points = models.CharField(
        _("points by rank"),
        max_length=255,
        blank=True,
        help_text=_("Points for 1st, 2nd, … separated by commas, e.g. 100, 95, 90. Empty: a straight line."),
    )
    best_points = models.DecimalField(_("points for first"), default=100, **points_field_options)
    worst_points = models.DecimalField(_("points for last"), default=60, **points_field_options)
    target_cap = models.DecimalField(
        _("target cap"),
        default=Decimal("1.20"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(1)],
        help_text=_("Completion counts up to this multiple of the target, e.g. 1.2 = 120%."),
    )

    class Meta:
        ordering = ["scheme_id", "sort_order", "id"]
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")

    def __str__(self) -> str:
        return self.name


class GradeBand(models.Model):
    """A grade (优秀, 良好, 合格, 不合格) from the best down: at least `minimum` points and, when given, at most
    `quota` percent of the units. The last band takes everyone left."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="bands", verbose_name=_("scheme"))
    name = models.CharField(_("name"), max_length=40)
    minimum = models.DecimalField(_("minimum points"), default=0, **points_field_options)
    quota = models.DecimalField(
        _("quota %"),
        null=True,
        blank=True,
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("At most this share of the units. Empty: no limit."),
    )
    sort_order = models.IntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scheme_id", "sort_order", "id"]
        verbose_name = _("grade")
        verbose_name_plural = _("grades")

    def __str__(self) -> str:
        return self.name


class ManualScore(TimeStampedModel):
    """An assessor's points for a unit on a manual item (a survey, an inspection), with the reason."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="manual_scores", verbose_name=_("item"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    points = models.DecimalField(
        _("points"), validators=[MinValueValidator(0), MaxValueValidator(100)], **points_field_options
    )
    comment = models.TextField(_("comment"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("manual score")
        verbose_name_plural = _("manual scores")
        constraints = [models.UniqueConstraint(fields=["item", "unit"], name="one_manual_score_per_item_and_unit")]

    def __str__(self) -> str:
        return f"{self.item} {self.unit}: {self.points}"


class AdjustmentKind(models.TextChoices):
    INCENTIVE = "incentive", _("Incentive")
    DEMERIT = "demerit", _("Demerit")
    VETO = "veto", _("Veto")


class AutoRule(models.TextChoices):
    RED_TASK = "red_task", _("Red warning")
    OVERDUE_TASK = "overdue_task", _("Overdue task")
    RETURNED_REPORT = "returned_report", _("Returned report")
    NOTICE = "notice", _("Supervision notice")


class Adjustment(TimeStampedModel):
    """Points added (正向激励), taken off (负面评价) or a veto (一票否决) for one unit. Automatic demerits come
    from supervision events by the scheme's rules and name the record behind them (`rule`, `source_key`)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="adjustments", verbose_name=_("scheme"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=12, choices=AdjustmentKind.choices)
    points = models.DecimalField(
        _("points"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Bonus points for an incentive, points off for a demerit; none for a veto."),
        **points_field_options,
    )
    reason = models.TextField(_("reason"))
    evidence = models.TextField(_("evidence"), blank=True, help_text=_("Document numbers, links, where to look."))
    rule = models.CharField(_("automatic rule"), max_length=20, choices=AutoRule.choices, blank=True)
    source_key = models.CharField(max_length=64, blank=True)  # e.g. task:12, report:40, notice:3
    task = models.ForeignKey(
        "supervision.KeyTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("key task"),
    )
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["scheme_id", "unit_id", "created_at", "id"]
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "unit", "rule", "source_key"],
                condition=~models.Q(rule=""),
                name="one_automatic_demerit_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.unit}: {self.points}"

    @property
    def automatic(self) -> bool:
        return bool(self.rule)


class Grounds(models.TextChoices):
    PIONEERING = "pioneering", _("Pioneering reform without precedent")
    POLICY_CHANGE = "policy_change", _("Change of higher-level policy")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")
    INHERITED = "inherited", _("Problem inherited from before")
    SHARED = "shared", _("Caused by another unit's delay")
    OTHER = "other", _("Other")


class ExemptionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("fault tolerance", "Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Exemption(TimeStampedModel):
    """容错纠错: a unit asks to excuse a demerit on stated grounds; the assessment office decides. An approved
    exemption cancels the points; the demerit, the request and the reasoning stay on record."""

    adjustment = models.ForeignKey(
        Adjustment, on_delete=models.CASCADE, related_name="exemptions", verbose_name=_("demerit")
    )
    grounds = models.CharField(_("grounds"), max_length=20, choices=Grounds.choices)
    explanation = models.TextField(_("explanation"))
    evidence = models.TextField(_("evidence"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ExemptionStatus.choices, default=ExemptionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("exemption request")
        verbose_name_plural = _("exemption requests")
        constraints = [
            models.UniqueConstraint(
                fields=["adjustment"], condition=~models.Q(status="rejected"), name="one_live_exemption_per_demerit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.adjustment}: {self.get_status_display()}"


class EvidenceFile(EvidenceFileFields):
    """A file given as evidence (佐证材料) for an adjustment (e.g. the award's certificate, the document that
    criticised the unit) or for a fault-tolerance request."""

    adjustment = models.ForeignKey(
        Adjustment, on_delete=models.CASCADE, null=True, blank=True, related_name="files", verbose_name=_("adjustment")
    )
    exemption = models.ForeignKey(
        Exemption,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="files",
        verbose_name=_("exemption request"),
    )

    class Meta(EvidenceFileFields.Meta):
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(adjustment__isnull=False, exemption__isnull=True)
                | models.Q(adjustment__isnull=True, exemption__isnull=False),
                name="evidence_file_belongs_to_one_record",
            )
        ]


class Result(models.Model):
    """A unit's published result, copied from the scheme's snapshot at publication, for lists and the API."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="results", verbose_name=_("scheme"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("rank"))
    grade = models.CharField(_("grade"), max_length=40)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    items = models.JSONField(_("item points"), default=dict)

    class Meta:
        ordering = ["scheme_id", "rank", "unit_id"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [models.UniqueConstraint(fields=["scheme", "unit"], name="one_result_per_scheme_and_unit")]

    def __str__(self) -> str:
        return f"{self.scheme} {self.unit}: {self.total}"
