"""Events whose registrations need the organiser's approval: accepting or refusing each registration."""

from events.approval.services import registration_accept, registration_refuse

__all__ = ["registration_accept", "registration_refuse"]
