"""Chinese working days, for every time limit the platform counts (talent tracks, data filings,
inspections, reminders): the official holiday schedules as cited data, one file a year, and a
provisional year from the statutory holidays where none is loaded yet.

- `schedule`: a year file, its validation (file:line) and the years bundled with the platform;
- `statutory`: the 13 statutory days of any year, for provisional years;
- `calendar`: `WorkCalendar`, pure counting over official and provisional years;
- `service`: the calendar in force (bundled + loaded), adding a year, recounting provisional
  deadlines; `tables`: what is stored.
"""

from ftzlink.workdays.calendar import Counted, WorkCalendar, bundled_calendar

__all__ = ["Counted", "WorkCalendar", "bundled_calendar"]
