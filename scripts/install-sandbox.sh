#!/usr/bin/env bash
# Install what the worker sandbox uses (bubblewrap; setpriv and unshare come with util-linux).
# Never fails: without it the grader runs in a weaker, reported mode (see SECURITY.md).
exec bash "$(dirname "$0")/apt-install.sh" bwrap bubblewrap \
    "install-sandbox: bubblewrap could not be installed; student code will run in a weaker sandbox mode (see SECURITY.md)"
