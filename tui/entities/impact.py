"""What deleting one row takes with it, from the foreign keys that reference it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ImpactCount:
    """Rows of one referencing table (by its label) through one foreign key."""

    entity: str
    foreign_key: str
    count: int


@dataclass(frozen=True, slots=True)
class ImpactDetail:
    """How to say one count: the referencing table and column names, the column's label."""

    source: str  # e.g. "order"
    columns: str  # e.g. "customer_id"
    column_label: str  # e.g. "customer"
    ondelete: str  # e.g. "RESTRICT"


def plural(noun: str, count: int) -> str:
    """``order lines``/``order line``, ``employees``/``employee``, ``user``/``users``."""
    noun = noun.lower()
    if count == 1:
        if noun.endswith("ies"):
            return noun[:-3] + "y"
        if noun.endswith("s") and not noun.endswith("ss"):
            return noun[:-1]
        return noun
    if noun.endswith("s"):
        return noun
    if noun.endswith("y") and not noun.endswith(("ay", "ey", "oy", "uy")):
        return noun[:-1] + "ies"
    return noun + "s"


@dataclass(frozen=True, slots=True)
class DeleteImpact:
    """Counts of rows a delete would delete (CASCADE), clear (SET NULL / SET DEFAULT), or that
    forbid it (RESTRICT / NO ACTION). ``str()`` is one sentence."""

    cascades: tuple[ImpactCount, ...] = ()
    set_null: tuple[ImpactCount, ...] = ()
    refusals: tuple[ImpactCount, ...] = ()
    details: dict[str, ImpactDetail] = field(default_factory=dict, compare=False)

    @property
    def refused(self) -> bool:
        """True when a reference forbids the delete."""
        return any(item.count for item in self.refusals)

    @property
    def reason(self) -> str:
        """Why the delete is refused (empty when it is not)."""
        parts = []
        for item in self.refusals:
            if not item.count:
                continue
            detail = self.details.get(item.foreign_key)
            where = (
                f" ({detail.source}.{detail.columns}, ON DELETE {detail.ondelete})"
                if detail
                else ""
            )
            verb = "references" if item.count == 1 else "reference"
            parts.append(f"{item.count:,} {plural(item.entity, item.count)} {verb} it{where}")
        return f"cannot delete: {'; '.join(parts)}" if parts else ""

    def __str__(self) -> str:
        if self.refused:
            return self.reason
        parts = [
            f"deletes {item.count:,} {plural(item.entity, item.count)}"
            for item in self.cascades
            if item.count
        ]
        for item in self.set_null:
            if not item.count:
                continue
            detail = self.details.get(item.foreign_key)
            label = detail.column_label if detail else item.foreign_key
            parts.append(f"clears {label} on {item.count:,} {plural(item.entity, item.count)}")
        return "; ".join(parts) if parts else "deletes nothing else"
