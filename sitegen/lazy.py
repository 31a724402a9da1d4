"""A value made on first use and then kept. The build cache hands out the body and HTML of
every unchanged file this way: loading all of them took longer than the rest of an incremental
build, and a build that re-renders one article needs one of them."""

from __future__ import annotations

import copyreg
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """Made by `make` on first `get()`. A value stored without its text (see state.py) comes
    back *pending* and must be bound to a `make` before use: using it unbound is a bug, and
    says so rather than handing out an empty body.

    Equality is identity: comparing two would have to fetch both."""

    # An unset slot is the state: `_value` set means made, `_make` set means not yet, neither
    # means pending. A pending Lazy then unpickles without running any Python (see
    # __reduce__), which matters at one or two per cached file.
    __slots__ = ("_make", "_value")
    _make: Callable[[], T]
    _value: T

    def __init__(self, make: Callable[[], T] | None = None) -> None:
        if make is not None:
            self._make = make

    @classmethod
    def of(cls, value: T) -> Lazy[T]:
        lazy: Lazy[T] = cls()
        lazy._value = value
        return lazy

    @property
    def pending(self) -> bool:
        """Neither a value nor a way to make one (a value unpickled without its text)."""
        return not hasattr(self, "_value") and not hasattr(self, "_make")

    def bind(self, make: Callable[[], T]) -> bool:
        """Give a pending value its maker; one that has either already keeps it (False)."""
        if not self.pending:
            return False
        self._make = make
        return True

    def get(self) -> T:
        try:
            return self._value
        except AttributeError:
            pass
        try:
            make = self._make
        except AttributeError:
            raise RuntimeError(
                "a pending Lazy was used before it was bound to its source"
            ) from None
        self._value = value = make()
        del self._make  # drop what the maker holds (a cache handle, a converter)
        return value

    def __reduce__(self) -> tuple[Any, ...]:
        # A pending value stays pending; anything else travels as its value.
        if self.pending:
            return (copyreg.__newobj__, (Lazy,))  # type: ignore[attr-defined]
        return (Lazy.of, (self.get(),))

    def __repr__(self) -> str:
        # The value, made if need be: a repr may end up in a fingerprint.
        return "Lazy(<pending>)" if self.pending else f"Lazy.of({self.get()!r})"
