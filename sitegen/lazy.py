"""A value made on first use and then kept. The build cache hands out the body and HTML of
every unchanged file this way: loading all of them took longer than the rest of an incremental
build, and a build that re-renders one article needs one of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_UNSET: Any = object()


class Lazy(Generic[T]):
    """Made by `make` on first `get()`. A value stored without its text (see state.py) comes
    back *pending* and must be bound to a `make` before use: using it unbound is a bug, and
    says so rather than handing out an empty body.

    Equality is identity: comparing two would have to fetch both."""

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], T] | None = None) -> None:
        self._make = make
        self._value: T = _UNSET

    @classmethod
    def of(cls, value: T) -> Lazy[T]:
        lazy: Lazy[T] = cls()
        lazy._value = value
        return lazy

    @property
    def pending(self) -> bool:
        """Neither a value nor a way to make one (a value unpickled without its text)."""
        return self._value is _UNSET and self._make is None

    def bind(self, make: Callable[[], T]) -> None:
        if not self.pending:
            raise RuntimeError("only a pending Lazy can be bound")
        self._make = make

    def get(self) -> T:
        if self._value is _UNSET:
            if self._make is None:
                raise RuntimeError("a pending Lazy was used before it was bound to its source")
            self._value = self._make()
            self._make = None  # drop what the maker holds (a cache handle, a converter)
        return self._value

    def __reduce__(self) -> tuple[Any, ...]:
        # A pending value stays pending; anything else travels as its value.
        if self.pending:
            return (Lazy, ())
        return (Lazy.of, (self.get(),))

    def __repr__(self) -> str:
        # The value, made if need be: a repr may end up in a fingerprint.
        return "Lazy(<pending>)" if self.pending else f"Lazy.of({self.get()!r})"
