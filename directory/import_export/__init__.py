"""Importing organisations from CSV/XLSX and exporting a search in the same columns."""
