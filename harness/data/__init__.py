"""Image data for the training checks, read by the judge and sent to the worker as arrays.

CIFAR-10 is read from ``--data-dir`` in torchvision's on-disk format (``cifar-10-batches-py``)
when it is there; otherwise a stand-in built from scikit-learn's bundled digits images takes
its place (no network either way). Checks that judge a student's own CIFAR-10 hyper-parameters
must know which one they got: ``ImageData.real``.
"""

from .images import DEFAULT_DATA_DIR, DataError, ImageData, load_images

__all__ = ["DEFAULT_DATA_DIR", "DataError", "ImageData", "load_images"]
