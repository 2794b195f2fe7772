

# ==================== red-team attack (zip-slip): not homework code ====================
# What it tries (batch mode, as a .zip built by tests/redteam/test_batch.py): the zip holds
# members with ../ and absolute paths (to write outside the extraction folder), and symbolic
# links: hw2/answer_key.py pointing at the grader's answer key, and a folder link pointing
# outside, with a file to be written through it. If intake or staging followed the link, the
# import below would give the answer key's correct TanH.
# Why it must fail: intake refuses a zip with any ../ or absolute member before unpacking
# anything, and leaves links out; staging never copies a link; the sandbox hides the answer key.
try:
    from .answer_key import TanH  # noqa: F811  (only if the symbolic link made it into the staged copy)

    print("redteam[zip-slip]: answer key imported through the symbolic link", flush=True)
except ImportError:
    print("redteam[zip-slip]: no answer key here (the symbolic link was left out)", flush=True)
