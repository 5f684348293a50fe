"""Process lifecycle pieces every service entry point shares."""

from __future__ import annotations

import signal
import sys


def stop_cleanly_on_sigterm() -> None:
    """Make SIGTERM a clean exit (code 0) until the app installs its own graceful handler.

    A stop that arrives during start-up (the NLP model takes seconds to load) is an ordinary
    stop, not a crash; FastStream replaces this handler once the app runs.
    """
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
