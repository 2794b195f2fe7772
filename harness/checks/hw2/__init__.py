"""Checks of CS236781 HW2, one module per notebook part (``load_checks`` imports every module here:
importing one registers its checks, so a new part's module is added by creating it)."""
