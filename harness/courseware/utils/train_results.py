"""Alias of ``cs236781.train_results`` for skeletons that import it as ``utils.train_results``."""
from cs236781.train_results import BatchResult, EpochResult, FitResult

__all__ = ["BatchResult", "EpochResult", "FitResult"]
