"""The project's exceptions. The CLI catches `HtsdError` once and prints its message in Vietnamese."""


class HtsdError(Exception):
    """Base of every error htsd reports to the user (message already in Vietnamese)."""


class FormError(HtsdError):
    """A form definition file is missing or wrong."""


class ConfigError(HtsdError):
    """The configuration file (htsd.toml) is missing or wrong."""


class RosterError(HtsdError):
    """The roster of units is unreadable or wrong."""


class ReadError(HtsdError):
    """A returned workbook cannot be opened or read."""


class OutputError(HtsdError):
    """An output file or folder cannot be written."""
