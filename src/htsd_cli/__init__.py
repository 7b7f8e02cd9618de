"""htsd: issue, validate and aggregate the Lifelong Learning Week (HTSĐ) report forms."""

__version__ = "0.1.0"
