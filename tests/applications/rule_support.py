"""The seeded services as plain objects, so rule tests need no database."""
from __future__ import annotations

import copy
from types import SimpleNamespace

from applications.seed import SERVICES


def service(code: str, **config_changes) -> SimpleNamespace:
    row = next(r for r in SERVICES if r["code"] == code)
    config = copy.deepcopy(row["config"])
    config.update(config_changes)
    return SimpleNamespace(code=code, name=row["name"], config=config, fee_pence=row["fee_pence"],
                           replacement_fee_pence=row["replacement_fee_pence"],
                           validity_months=row["validity_months"])
