"""Series: a recurring event whose dates are events of their own."""

from events.series.services import series_create, series_skip_date, series_sync, series_update

__all__ = ["series_create", "series_skip_date", "series_sync", "series_update"]
