"""Code that runs INSIDE the worker process, next to the student's code.

Everything in this package is untrusted territory: it imports only the standard library, numpy,
torch and the boundary package (``harness/boundary``: the wire protocol and the data shipped here,
which the judge uses too), never the rest of the harness or the reference; calls the student's API
on inputs the judge sends, and returns plain data. It decides nothing: verdicts are the judge's
(``harness.checks``).
"""
