"""The bounds of bolaudit's numeric settings, shared by the command line and the config files.

Imports nothing, so ``bolaudit --version`` stays fast. Values outside these ranges are a usage or
configuration error (exit 2) naming the option or key; the README lists them.
"""

from __future__ import annotations

# --jobs / jobs: worker processes. More than the CPUs available are never started (see
# ``workers.available_cpus``); beyond this the value is a mistake, not a wish.
MAX_JOBS = 256
# --warn-days / warn-days: a refresh token lives 365 days; ten years is the most that means anything.
MAX_WARN_DAYS = 3650
# max-file-size: every audited file is held in memory at once, so a repository may not ask for more.
MAX_FILE_SIZE = 16 * 1024 * 1024
# --timeout: seconds for one exchange with the token service.
MIN_TIMEOUT = 0.1
MAX_TIMEOUT = 300.0
# Python text (a module, a notebook's code) longer than this is analysed by slice: only the
# statements connected to bol by name are parsed (``extract.slicing``).
SLICE_ABOVE = 128 * 1024
