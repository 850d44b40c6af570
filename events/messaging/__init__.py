"""Messages from an event's organiser to a group of its registered people."""

from events.messaging.services import message_recipients, message_send

__all__ = ["message_recipients", "message_send"]
