from IPython.display import Markdown, display


def display_answer(content):
    """
    Renders an answer string (markdown + LaTeX) in the notebook.
    :param content: The answer string, e.g. hw2.answers.part1_q1.
    """
    display(Markdown(content))
