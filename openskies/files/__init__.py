"""Low-level file handling shared by every reader and writer.

Strict CSV tables that name file, row and field (:mod:`.tables`), safe opening of
user-given paths (:mod:`.user_files`), atomic and fsynced writes with spreadsheet
formula neutralisation (:mod:`.atomic`), and the line of a TOML key
(:mod:`.toml_lines`).  Imports nothing of openskies but :mod:`openskies.errors`.
"""
