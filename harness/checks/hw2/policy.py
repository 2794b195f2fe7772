"""What HW2's texts do not ask, reported without points (the deduction policy in the README).

The skeleton's ``Trainer.fit`` sets ``actual_num_epochs = 0`` outside the students' blocks, no TODO
asks to update it and no notebook cell reads ``FitResult.num_epochs``: a wrong count is a note.
"""

from __future__ import annotations

NOT_ASKED = "not deducted: no TODO of the skeleton asks to update actual_num_epochs, and no notebook cell reads it"


def num_epochs_note(got: object, ran: int) -> str | None:
    """A note when ``FitResult.num_epochs`` is not the number of epochs that ran (None when it is)."""
    if got == ran:
        return None
    return f"FitResult.num_epochs = {got!r}, but {ran} epochs ran ({NOT_ASKED})"
