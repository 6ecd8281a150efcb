"""INSERT many rows without bulk_create's per-value preparation (the customers bulk seeder's idea).

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


def insert_many(model: type[models.Model], objs: list[models.Model], *, ignore_conflicts: bool = False,
                page_size: int = 1000) -> None:
    if not objs:
        return
    if connection.vendor not in ("sqlite", "postgresql"):
        model.objects.bulk_create(objs, batch_size=page_size, ignore_conflicts=ignore_conflicts)
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not getattr(f, "db_returning", False)]
    converters = [_converter(f, now) for f in fields]
    attnames = [f.attname for f in fields]
    rows = []
    for obj in objs:
        rows.append(tuple(
            convert(getattr(obj, name)) if convert is not None else getattr(obj, name)
            for convert, name in zip(converters, attnames)
        ))
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
