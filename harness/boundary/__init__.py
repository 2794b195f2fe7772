"""Code BOTH sides of the trust boundary run: the judge, and the worker next to the student's code.

It imports only the standard library, numpy and torch (never the rest of the harness, never the
answer key), so the worker can hold it; and nothing here decides a grade. The worker loads this
package and ``probes/`` under a package name of its own (``probes/boot.py``); relative imports
(``from ..boundary import wire``) read the same on both sides.

- ``wire``: the wire protocol (frames of JSON and raw arrays, never pickle).
- ``shipped``: the data shipped to the worker: how the judge's arrays become the datasets the
  student's code sees, and the ids written into images so a batch can be traced image by image.
- ``model_table``: a network described as plain rows (layers, arguments, parameter shapes), made
  by the worker for the student's net and by the judge for the reference.
"""
