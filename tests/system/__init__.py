"""System tests: the real daemon and simulator as processes, driven over a pty and HTTP."""
