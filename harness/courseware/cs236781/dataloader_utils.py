"""Helpers for working with ``torch.utils.data.DataLoader`` objects."""
from typing import Tuple

import torch
from torch import Tensor
from torch.utils.data import DataLoader


def flatten(dataloader: DataLoader) -> Tuple[Tensor, ...]:
    """
    Combines batches from a DataLoader into a single tensor. If there are
    multiple tensors returned in each batch, they are flattened separately,
    returning multiple tensors.

    For example, if the DataLoader returns a samples tensor of shape NxD and a
    labels tensor of shape Nx1 for each batch (N is the batch size), this
    function returns a tuple of two tensors of shapes (N*M)xD and (N*M)x1
    where M is the number of batches.

    :param dataloader: The DataLoader to flatten.
    :return: A tuple of one or more tensors containing the data from all batches.
    """
    out_tensors_cache: list = []

    for batch in dataloader:
        # A batch may be a single tensor (no labels), a dict, or a tuple/list.
        if torch.is_tensor(batch):
            batch = (batch,)
        elif isinstance(batch, dict):
            batch = tuple(batch[k] for k in sorted(batch.keys()))
        elif not isinstance(batch, (tuple, list)):
            raise TypeError(f"Unexpected type of batch object: {type(batch)}")

        for i, tensor in enumerate(batch):
            if i >= len(out_tensors_cache):
                out_tensors_cache.append([])
            out_tensors_cache[i].append(tensor)

    # dim 0 is the batch dimension
    return tuple(torch.cat(tensors, dim=0) for tensors in out_tensors_cache)
