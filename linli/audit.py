"""The audit log: one row per login, save, publish, deletion and build."""

from __future__ import annotations

from linli.models import AuditEvent


def log(action: str, username: str = "", item=None, detail: str = "", address: str = "") -> AuditEvent:
    return AuditEvent.create(
        action=action,
        username=username or "",
        target_type=type(item).__name__ if item is not None else "",
        target_id=getattr(item, "id", None),
        target_title=(getattr(item, "title", "") or "")[:200],
        detail=detail,
        address=address or "",
    )
