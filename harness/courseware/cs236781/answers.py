"""Show a written answer (a Markdown string from ``hwN/answers.py``) in a notebook or terminal."""
from typing import Any


def display_answer(content: Any) -> None:
    """
    Render ``content`` as Markdown when IPython is available (inside a notebook),
    else print it as plain text.
    """
    try:
        from IPython.display import Markdown, display
    except ImportError:  # plain Python, no IPython installed
        print(content)
        return
    display(Markdown(content))
