"""Kinds of messages. Transactional ones always go out; the others can be turned off."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Category:
    key: str
    label: str | Promise
    description: str | Promise
    transactional: bool = False


_registry: dict[str, Category] = {}


def register(category: Category) -> Category:
    _registry[category.key] = category
    return category


def get(key: str) -> Category:
    try:
        return _registry[key]
    except KeyError:
        raise LookupError(f"Unknown notification category {key!r}.") from None


def optional_categories() -> list[Category]:
    """Categories a member may turn off, in registration order."""
    return [category for category in _registry.values() if not category.transactional]


INVITATION = register(
    Category(
        key="invitation",
        label=_("Invitations"),
        description=_("An invitation to join an organisation."),
        transactional=True,
    )
)
MEMBERSHIP = register(
    Category(
        key="membership",
        label=_("Changes to your role or team"),
        description=_("When an admin changes your role, team or manager."),
    )
)
