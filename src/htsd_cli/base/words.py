"""The base of htsd's closed sets of words (severities, finding codes, kinds, states…)."""

from __future__ import annotations

from enum import StrEnum


class Word(StrEnum):
    """A member is the string it stands for: in JSON, in f-strings, and in reprs too, so that a
    form or a finding printed for a person (or a golden file) reads as it did when these were
    plain strings; the type checker still sees the closed set."""

    def __repr__(self) -> str:
        return repr(self.value)
