"""Instants are UTC; the days people see are Mexico City's.

Every day, month, quarter or cut-off a person reads or a rule applies to (a report period, a
campaign date, a deadline "on the 15th") is a day in America/Mexico_City: it starts and ends at
that city's midnight, whatever the server's clock or the database's zone. This module is the
one place that turns an instant into such a day and a day into its instants.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

MEXICO_CITY = ZoneInfo("America/Mexico_City")


def now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime names no instant: give its offset")
    return moment


def mexico_day(moment: dt.datetime) -> dt.date:
    """The Mexico City calendar day an instant falls on."""
    return _aware(moment).astimezone(MEXICO_CITY).date()


def mexico_month(moment: dt.datetime) -> dt.date:
    """The first day of the Mexico City month an instant falls in."""
    return mexico_day(moment).replace(day=1)


def today() -> dt.date:
    """Today in Mexico City."""
    return mexico_day(now())


def day_start(day: dt.date) -> dt.datetime:
    """The UTC instant Mexico City's `day` begins (its local midnight)."""
    return dt.datetime.combine(day, dt.time(), MEXICO_CITY).astimezone(dt.UTC)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of Mexico City's `day` as UTC instants (a day is not always 24 hours
    long where the zone once changed its clocks)."""
    return day_start(day), day_start(day + dt.timedelta(days=1))


def days_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) as UTC instants covering every Mexico City day from `first` to `last`."""
    return day_start(first), day_start(last + dt.timedelta(days=1))


_MONTHS = {
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def people_day(day: dt.date | str | None, lang: str = "es") -> str:
    """The one way pages show a Mexico City day to people: "7 de diciembre de 2026",
    "7 December 2026". An ISO 8601 date is read first; an unreadable one is shown as it is."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            return day
    if isinstance(day, dt.datetime):
        day = mexico_day(day) if day.tzinfo is not None else day.date()
    lang = lang if lang in _MONTHS else "es"
    month = _MONTHS[lang][day.month - 1]
    return (f"{day.day} de {month} de {day.year}" if lang == "es"
            else f"{day.day} {month} {day.year}")


def people_text(moment: dt.datetime | str | None, lang: str = "es",
                zone: str | None = None) -> str:
    """The one way pages show an instant to people: Mexico City's wall clock with the zone
    spelled out — "7 de diciembre de 2026, 08:55 (hora del centro de México)", "7 December
    2026, 08:55 (Mexico City time)". An ISO 8601 text is read first; a naive or unreadable
    one is shown as it is."""
    from vmre.core.messages import text

    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if (moment.tzinfo is None or moment.utcoffset() is None) and zone:
        moment = moment.replace(tzinfo=ZoneInfo(zone))  # a wall-clock time kept in `zone`
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.isoformat(sep=" ", timespec="minutes")
    local = moment.astimezone(MEXICO_CITY)
    return f"{people_day(local.date(), lang)}, {local:%H:%M} ({text('web.time_zone', lang)})"


def people_moment(moment: dt.datetime | str | None, zone: str | None = None):
    """An instant for a catalogue text whose language is chosen later (a UserError's
    parameter): it reads in people's format in whichever language the text is shown."""
    from vmre.core.messages import PerLanguage

    return PerLanguage(lambda lang: people_text(moment, lang, zone))


def people_date(day: dt.date | str | None):
    """A day for a catalogue text whose language is chosen later (see people_moment)."""
    from vmre.core.messages import PerLanguage

    return PerLanguage(lambda lang: people_day(day, lang))
