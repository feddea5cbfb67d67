"""Sub-commands of the ``openskies`` command line, one module per capability."""
