"""Checks of one returned workbook, as functions of a read-only view (`htsd_cli.reading`)."""
