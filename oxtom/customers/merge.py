"""The merge allow-list: every relation pointing at Customer must say what happens to it on merge.

Any app whose model has a ForeignKey, OneToOneField or ManyToManyField to
Customer registers it here, normally in its AppConfig.ready():

    from oxtom.customers import merge
    merge.register_move(Case, "customer")                  # rows follow the survivor
    merge.register_keep(Receipt, "customer", reason="...")  # rows stay on the tombstone

customer_merge() refuses to run while any relation found through
Customer._meta.related_objects is in neither list, so a new app can never
leave rows silently attached to a tombstone (data-hub's merge_company idea:
an explicit allow-list, not "move whatever we find").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import models

# A custom mover: (source, survivor) -> rows moved. For relations with unique
# constraints that need de-duplication rather than a plain UPDATE.
Mover = Callable[[models.Model, models.Model], int]


class MergeRegistryError(ImproperlyConfigured):
    """A relation to Customer exists that the merge allow-list doesn't mention."""


@dataclass(frozen=True)
class MoveRule:
    model_label: str
    field_name: str
    mover: Mover | None = None


@dataclass(frozen=True)
class KeepRule:
    model_label: str
    field_name: str
    reason: str


_moves: dict[tuple[str, str], MoveRule] = {}
_keeps: dict[tuple[str, str], KeepRule] = {}


def _key(model: type[models.Model] | str, field_name: str) -> tuple[str, str]:
    label = model if isinstance(model, str) else model._meta.label_lower
    return (label.lower(), field_name)


def register_move(model: type[models.Model] | str, field_name: str, *, mover: Mover | None = None) -> None:
    """Rows of `model` whose `field_name` points at the merged-away record move to the survivor."""
    key = _key(model, field_name)
    _keeps.pop(key, None)
    _moves[key] = MoveRule(key[0], field_name, mover)


def register_keep(model: type[models.Model] | str, field_name: str, *, reason: str) -> None:
    """Rows stay attached to the tombstone (say why: usually 'a record of what happened then')."""
    if not reason:
        raise ValueError("Say why rows stay on the tombstone.")
    key = _key(model, field_name)
    _moves.pop(key, None)
    _keeps[key] = KeepRule(key[0], field_name, reason)


def unregister(model: type[models.Model] | str, field_name: str) -> None:
    """For tests that prove the guard: forget a relation."""
    key = _key(model, field_name)
    _moves.pop(key, None)
    _keeps.pop(key, None)


def relations_to_customer() -> list[models.ForeignObjectRel]:
    """Every relation anywhere in the project that points at Customer."""
    from .models import Customer

    return list(Customer._meta.related_objects)


def rel_key(rel: models.ForeignObjectRel) -> tuple[str, str]:
    return (rel.related_model._meta.label_lower, rel.field.name)


def unregistered_relations() -> list[str]:
    """'app.model.field' for every relation to Customer the allow-list doesn't mention."""
    return sorted(
        f"{label}.{field}"
        for label, field in (rel_key(rel) for rel in relations_to_customer())
        if (label, field) not in _moves and (label, field) not in _keeps
    )


def check_registry() -> None:
    """Raise MergeRegistryError naming every unregistered relation."""
    missing = unregistered_relations()
    if missing:
        raise MergeRegistryError(
            "Customer merge refused: these relations to Customer are not in the merge allow-list "
            f"(oxtom/customers/merge.py): {', '.join(missing)}. Register each with register_move() "
            "or register_keep() in its app's ready()."
        )


def move_rules() -> list[tuple[models.ForeignObjectRel, MoveRule]]:
    """The registered move rules for relations that exist, in a stable order."""
    rules = []
    for rel in relations_to_customer():
        rule = _moves.get(rel_key(rel))
        if rule is not None:
            rules.append((rel, rule))
    return sorted(rules, key=lambda pair: (pair[1].model_label, pair[1].field_name))


def registered_moves() -> dict[tuple[str, str], MoveRule]:
    return dict(_moves)


def registered_keeps() -> dict[tuple[str, str], KeepRule]:
    return dict(_keeps)


# The customers app's own relations.
register_move("customers.interaction", "customer")
register_move("customers.consent", "customer")
# Tombstones that pointed at the merged-away record now point straight at the survivor,
# so following merged_into is always one hop.
register_move("customers.customer", "merged_into")

# Assisted digital: contacts, sessions, coaching and chats are part of the customer's history.
register_move("customers.contactlog", "customer")
register_move("customers.assistedsession", "customer")
register_move("customers.digitalcoaching", "customer")
register_move("customers.webchat", "customer")
