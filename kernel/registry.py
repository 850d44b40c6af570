"""Named contributions that apps higher up add to a page of a lower app (profile panels, map layers, home
page to-do sources): the lower app owns the registry and renders what is in it, the upper app registers in
its `AppConfig.ready()`, so the import points down."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar


class Contribution(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def order(self) -> int: ...


T = TypeVar("T", bound=Contribution)


class Registry(Generic[T]):
    """Contributions by name, listed by (order, name). Registering a name again replaces the contribution
    (an app's `ready()` may run twice in tests)."""

    def __init__(self) -> None:
        self._items: dict[str, T] = {}

    def register(self, item: T) -> None:
        self._items[item.name] = item

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)

    def all(self) -> list[T]:
        return sorted(self._items.values(), key=lambda item: (item.order, item.name))
