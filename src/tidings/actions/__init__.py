"""Use cases: one function per user intent, each run inside one writer transaction.

Every action takes the ``Tx`` first; it checks permission, writes the rows and
the events together, and registers after-commit work on the ``Tx``.
"""
