"""red-team attack (shadow-modules): a module named like a library the grader needs. If the
grader or its worker ever imported this instead of the real one, the process would die here
(exit code 7), and every check would fail: the exact score shows it never happens."""
import os
import sys

sys.stderr.write("redteam[shadow-modules]: shadow module %s imported\n" % __name__)
os._exit(7)
