"""The build's clock and the dates it compares: offsets that HTML and feeds can write, and
the years a clock may be set to."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sitegen.errors import ConfigError, SitegenError

_MINUTE = timedelta(minutes=1)


def whole_minutes(when: datetime) -> datetime:
    """`when` with its UTC offset rounded to the minute, the wall time kept. Zones' local mean
    times had offsets in seconds (London until December 1847: -00:01:15), which HTML's <time datetime>,
    JSON-LD, RFC 3339 (Atom) and RFC 822 (RSS) cannot write; such a date moves by under 30
    seconds and keeps a fixed offset. Other dates are returned as they are."""
    offset = when.utcoffset()
    if offset is None or not offset % _MINUTE:
        return when
    return when.replace(tzinfo=timezone(round(offset / _MINUTE) * _MINUTE))


EARLIEST_YEAR, LATEST_YEAR = 1000, 9000
"""The years the build's clock may be in: the model and the build work out moments days and
a year away from it (the news sitemap's window, when the output next changes), and the
datetime type ends at the years 1 and 9999."""


def clock_errors(now: datetime | None) -> list[SitegenError]:
    """An error when the build's clock (--now, SITEGEN_NOW) is outside the years it may be in."""
    if now is None or EARLIEST_YEAR <= now.year <= LATEST_YEAR:
        return []
    return [
        ConfigError(
            "",
            None,
            f"the build's clock (--now or SITEGEN_NOW) is {now.isoformat()}; give a time "
            f"between the years {EARLIEST_YEAR} and {LATEST_YEAR}, such as 2025-05-12T10:00:00+06:00",
        )
    ]
