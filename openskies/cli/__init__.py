"""The ``openskies`` command line.

:mod:`.main` holds the command table and the error handling; one module per
capability registers its sub-commands.
"""
