"""URL converters for matchmaking."""

from __future__ import annotations


class ParticipantCodeConverter:
    """A participant code as the model allows it (letters, digits, '-', '_', '.'; at most 40): anything else
    is a 404 before any query, so no NUL byte or 300-character string reaches the database."""

    regex = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
