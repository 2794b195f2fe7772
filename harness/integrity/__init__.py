"""Integrity signals for course staff: similar code across a class, forbidden shortcuts. Signals for a
person: a grade changes only where the rubric says a shortcut costs points."""
