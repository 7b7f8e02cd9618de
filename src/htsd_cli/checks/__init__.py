"""Checking returns: the checks of one workbook as functions of its read-only view (identity,
locate, cells, rules, plausibility, outliers…), the per-file check (`checkfile`), the checks that
need the whole batch (`batch`, `validate`), the signed read cache, the clerk's decisions and the
comparison with last year."""
