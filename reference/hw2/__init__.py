"""
Reference solution of CS236781 HW2: the ``hw2`` package as the course's skeleton defines it.

Modules import each other relatively, so this package works both as ``reference.hw2`` (how the
judge imports it) and as a top-level ``hw2`` (with ``reference/`` on ``sys.path``, how the
notebook cells import it).
"""
