"""Shared harness of tests/e2e, tests/security and tests/faults: the native stack and clients."""
