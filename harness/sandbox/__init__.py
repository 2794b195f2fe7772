"""The judge's side of the trust boundary: start, limit, talk to and kill the worker."""

from .worker import Limits, StudentError, Worker, WorkerFailure

__all__ = ["Limits", "StudentError", "Worker", "WorkerFailure"]
