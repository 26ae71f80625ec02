"""Revisions: a snapshot of a content item after every save, so no edit is ever lost.

A snapshot holds every field as JSON-friendly values; restoring one writes those values back
as a new save (which is itself recorded), so history only grows.
"""

from __future__ import annotations

import datetime as dt
import json

import peewee as pw

from linli.models import CONTENT_MODELS, Revision

MODELS_BY_NAME = {model.__name__: model for model in CONTENT_MODELS}
NOT_RESTORED = {"id", "slug", "version", "created_at", "updated_at", "deleted_at"}


def snapshot(item) -> dict:
    data = {}
    for name, field in item._meta.fields.items():
        value = item.__data__.get(name)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        data[name] = value
    return data


def record(item, username: str, previous: dict | None = None) -> Revision:
    """Store ``item`` as it is now. ``previous`` (a snapshot) names the fields that changed."""
    data = snapshot(item)
    changed = sorted(k for k in data if previous is not None and previous.get(k) != data[k])
    changed = [k for k in changed if k not in ("version", "updated_at")]
    return Revision.create(
        target_type=type(item).__name__,
        target_id=item.id,
        version=item.version,
        username=username,
        changed=",".join(changed),
        data=json.dumps(data, ensure_ascii=False),
    )


def history(item) -> list[Revision]:
    return list(
        Revision.select()
        .where((Revision.target_type == type(item).__name__) & (Revision.target_id == item.id))
        .order_by(Revision.version.desc(), Revision.id.desc())
    )


def values_of(revision: Revision) -> dict:
    """The revision's field values as Python values (datetimes parsed back)."""
    model = MODELS_BY_NAME[revision.target_type]
    data = json.loads(revision.data)
    values = {}
    for name, value in data.items():
        field = model._meta.fields.get(name)
        if field is None:
            continue
        if value is not None and isinstance(field, pw.DateTimeField):
            value = dt.datetime.fromisoformat(value)
        elif value is not None and isinstance(field, pw.DateField):
            value = dt.date.fromisoformat(value)
        values[name] = value
    return values


def apply(item, revision: Revision) -> list[str]:
    """Set ``item``'s fields to those of ``revision`` (not saved); returns the changed names."""
    changed = []
    for name, value in values_of(revision).items():
        if name in NOT_RESTORED or name.endswith("_id") and name[:-3] in NOT_RESTORED:
            continue
        field = item._meta.fields[name]
        current = item.__data__.get(field.name)
        if current != value:
            item.__data__[field.name] = value
            item._dirty.add(field.name)
            changed.append(name)
    return changed
