"""INSERT many rows without bulk_create's per-value preparation (customer seeding, the renewal run).

bulk_create spends most of a 100,000-row batch preparing each value of each
row through the field machinery. The rows here are built by our own code
from plain Python values, so they can go straight to the driver: one
multi-row INSERT per page on PostgreSQL (psycopg2's execute_values), an
executemany on SQLite, bulk_create on anything else. Conflicts are skipped
(ON CONFLICT DO NOTHING / INSERT OR IGNORE) when asked, as bulk_create's
ignore_conflicts does. Primary keys that the database generates are not
read back: callers look rows up by their natural keys.
"""
from __future__ import annotations

import json
from typing import Any

from django.db import connection, models
from django.utils import timezone


def _converter(field: models.Field, now) -> Any:
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: None if value is None else json.dumps(value, cls=encoder)
    if isinstance(field, models.DateTimeField):
        if field.auto_now or field.auto_now_add:
            stamp = connection.ops.adapt_datetimefield_value(now)
            return lambda value: stamp
        return lambda value: None if value is None else connection.ops.adapt_datetimefield_value(value)
    if isinstance(field, models.DateField):
        return lambda value: None if value is None else connection.ops.adapt_datefield_value(value)
    if isinstance(field, models.UUIDField) and connection.vendor == "sqlite":
        return lambda value: None if value is None else value.hex
    return None


_MISSING = object()


def insert_many(model: type[models.Model], objs: list, *, ignore_conflicts: bool = False,
                page_size: int = 1000) -> None:
    """Insert model instances, or plain dicts keyed by attname (missing keys take the field's
    default): building 100,000 model instances only to read their attributes back costs more
    than the INSERT itself."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not getattr(f, "db_returning", False)]
    if connection.vendor not in ("sqlite", "postgresql"):
        instances = [model(**obj) if isinstance(obj, dict) else obj for obj in objs]
        model.objects.bulk_create(instances, batch_size=page_size, ignore_conflicts=ignore_conflicts)
        return
    now = timezone.now()
    converters = [_converter(f, now) for f in fields]
    attnames = [f.attname for f in fields]
    # A default that is a callable (dict, uuid4) is called per row; any other is computed once.
    per_row = [f.has_default() and callable(f.default) for f in fields]
    static = [None if call else f.get_default() for f, call in zip(fields, per_row)]
    rows = []
    for obj in objs:
        if isinstance(obj, dict):
            values = []
            for field, name, call, fixed in zip(fields, attnames, per_row, static):
                value = obj.get(name, _MISSING)
                values.append((field.get_default() if call else fixed) if value is _MISSING else value)
        else:
            values = [getattr(obj, name) for name in attnames]
        rows.append(tuple(convert(v) if convert is not None else v for convert, v in zip(converters, values)))
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
            execute_values(cursor.cursor, f"INSERT INTO {table} ({columns}) VALUES %s{tail}", rows,
                           page_size=page_size)
        else:
            verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
            cursor.executemany(f"{verb} INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", rows)
