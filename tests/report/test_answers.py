"""Written answers in the report: markdown and math rendered, the student's text never markup."""

from __future__ import annotations

from harness.report.answers import answer_html


def test_markdown_and_math_are_rendered():
    html = answer_html("**bold** and $\\frac{a}{b}$\n\n$$\\sum_i x_i$$\n\n- item")
    assert "<strong>bold</strong>" in html and "<li>item</li>" in html
    assert html.count("<math") == 2 and "<mfrac>" in html and 'display="block"' in html


def test_raw_html_and_scripts_stay_text():
    html = answer_html('<script>alert(1)</script> <img src=x onerror=alert(2)> <a href="x">a</a>')
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html


def test_math_that_would_carry_markup_is_shown_as_its_source():
    html = answer_html("$\\text{<script>alert(1)</script>}$ and $\\href{javascript:alert(1)}{x}$")
    assert "<script" not in html and "javascript:" not in html.replace("$\\href{javascript:", "")
    assert '<code class="math">' in html


def test_links_are_safe_and_images_not_fetched():
    html = answer_html("[x](javascript:alert(1)) ![pic](http://example.com/track.png)")
    assert 'href="javascript' not in html and "<img" not in html


def test_latex_it_cannot_read_is_shown_escaped():
    html = answer_html("$\\begin{unknownenv} a < b \\end{unknownenv}$")
    assert "<script" not in html and ("a &lt; b" in html or "<math" in html)


def test_an_answer_of_thousands_of_formulas_stays_small():
    assert len(answer_html("$x_i^2$ " * 2500)) < 25_000  # too many to draw: shown as written
    html = answer_html("$$\\sum_{i=1}^{N} \\frac{a_i}{b_i}$$\n\n" * 280)
    assert 0 < html.count("<math") < 280 and len(html) < 60_000  # drawn until the MathML budget is spent
