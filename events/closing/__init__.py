"""The organiser's closing report of an event: minutes, follow-ups and the attendance figures frozen when it is
finalised."""
