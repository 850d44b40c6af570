"""iCalendar: one event, the public and organiser feeds, and the private "my events" feed."""
