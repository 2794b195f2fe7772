"""Tools for the people who work on the grader (not used while grading)."""
