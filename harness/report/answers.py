"""A student's written answer as HTML: markdown (markdown-it-py, raw HTML off) with its LaTeX as
MathML (latex2mathml), which browsers draw themselves: offline, no script in the report.

The answer is the student's text, so nothing in it may become markup of its own: markdown-it
escapes text and refuses raw HTML and ``javascript:`` links; images are not rendered (the report
would fetch them); and the MathML is parsed and rebuilt from an allow-list of MathML elements and
attributes (latex2mathml copies ``\\text{...}`` through unescaped), anything else shown as the
escaped LaTeX it came from.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from markupsafe import Markup, escape

MATHML = "http://www.w3.org/1998/Math/MathML"
ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace mfrac msqrt mroot mstyle merror mpadded mphantom menclose "
    "msub msup msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr mtd "
    "mlabeledtr semantics annotation".split()
)
ATTRIBUTES = frozenset(
    "display displaystyle mathvariant stretchy fence separator lspace rspace columnalign rowalign "
    "rowspacing columnspacing columnlines rowlines frame width height depth linethickness accent "
    "accentunder movablelimits scriptlevel minsize maxsize symmetric notation form largeop mathsize "
    "encoding".split()
)
MAX_MATH = 4000  # characters of LaTeX per formula converted; longer ones are shown as source
MAX_FORMULAS = 300  # an answer with more "$" pairs is shown without math (its size stays its own)
MATHML_BUDGET = 30_000  # characters of MathML per answer (the report stays small); the rest as source


def _clean_math(mathml: str) -> str | None:
    """The MathML rebuilt from the allow-list, or None if it holds anything else."""
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError:
        return None
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag not in ELEMENTS or any(a.rsplit("}", 1)[-1] not in ATTRIBUTES for a in element.attrib):
            return None
        element.tag = tag
    root.set("xmlns", MATHML)
    return ET.tostring(root, encoding="unicode")  # text and attribute values escaped


def math_html(latex: str, display: bool, budget: list[int] | None = None) -> str:
    """MathML for ``latex``; where it cannot be converted safely (or ``budget``, the MathML
    characters left for this answer, is spent), the LaTeX itself, escaped."""
    from latex2mathml.converter import convert

    shown = None
    if len(latex) <= MAX_MATH and (budget is None or budget[0] > 0):
        try:
            shown = _clean_math(convert(latex, display="block" if display else "inline"))
        except Exception:  # latex2mathml raises many kinds on LaTeX it does not know
            shown = None
    if shown is not None and budget is not None:
        budget[0] -= len(shown)
    if shown is None:
        delimiter = "$$" if display else "$"
        return f'<code class="math">{escape(delimiter + latex + delimiter)}</code>'
    return shown


def _markdown(budget: list[int], with_math: bool = True) -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    if not with_math:
        return md
    dollarmath_plugin(
        md,
        allow_space=True,
        allow_digits=True,
        double_inline=True,
        renderer=lambda content, options: math_html(content, bool(options.get("display_mode")), budget),
    )
    return md


def answer_html(text: str) -> Markup:
    """The answer's markdown and math as HTML (see the module's docstring for what is refused)."""
    doubled = text.count("$$")
    with_math = (text.count("$") - 2 * doubled) / 2 + doubled / 2 <= MAX_FORMULAS  # about the formulas there are
    return Markup(_markdown([MATHML_BUDGET], with_math).render(text))  # markdown-it escapes the student's text itself
