"""Attendance certificates: a PDF for each person marked present, with a public verification page."""
