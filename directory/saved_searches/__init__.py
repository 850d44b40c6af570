"""Saved directory searches and their digest e-mails."""
