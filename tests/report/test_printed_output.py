"""What the student's code printed, as the report shows it (harness/sandbox/noise.py)."""

from __future__ import annotations

from harness.sandbox.noise import as_terminal, split_noise

SANDBOX = (
    "Fontconfig error: Cannot load default config file: No such file: (null)\n"
    "/venv/lib/python3.11/site-packages/joblib/_multiprocessing_helpers.py:44: UserWarning: "
    "[Errno 13] Permission denied.  joblib will operate in serial mode\n"
    '  warnings.warn("%s.  joblib will operate in serial mode" % (e,))\n'
)


def test_the_sandboxs_own_lines_are_set_apart():
    kept, noise = split_noise(SANDBOX + "--- EPOCH 1/4 ---\n  indented by the student\n")
    assert kept == "--- EPOCH 1/4 ---\n  indented by the student\n"
    assert len(noise) == 3 and noise[0].startswith("Fontconfig")


def test_a_students_own_warning_stays():
    text = "train.py:3: UserWarning: my own warning\n  warnings.warn('my own warning')"
    assert split_noise(text) == (text, [])


def test_progress_bars_show_their_last_state():
    assert as_terminal("a\rb 50%\rb 100%\nnext\r\n") == "b 100%\nnext\n"
