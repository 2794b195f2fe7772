"""Written answers (``hw2.answers.partN_qM``): fetched for a person to grade, never scored here.

One function serves every ``answers.*`` rubric entry, so a question added in a later year is a
rubric entry only. The session gives these entries no automatic points (they are ``manual``);
what a grader scores is merged from ``--manual-scores``.
"""

from __future__ import annotations

from .. import check
from ..base import CheckContext, Finding

MAX_SHOWN = 20000


@check("answers.*")
def written_answer(ctx: CheckContext) -> list[Finding]:
    name = ctx.check_id.split(".", 1)[1]
    reply = ctx.call("hw2.answer", f"reading hw2.answers.{name}", name=name)
    if not reply["present"]:
        ctx.notes.append(f"hw2.answers has no {name}: not part of this submission's skeleton year")
        return [Finding("all", True)]
    text = str(reply["text"])[:MAX_SHOWN]
    ctx.attachments["answer"] = text
    if not reply["is_str"]:
        ctx.notes.append(f"hw2.answers.{name} is not a string")
    if not text.strip() or text.strip() == "**Your answer:**":
        ctx.notes.append("the answer is empty (still the skeleton's placeholder)")
    return [Finding("all", True)]
