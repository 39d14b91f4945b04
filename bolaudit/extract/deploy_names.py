"""Which text files can declare deployment units or environment: told by name, without YAML.

``deploy_sources`` reads them (and imports PyYAML to do so); every other text file (a README, a
PKG-INFO) never needs it, so the name is checked first (``pipeline.filestage``).
"""

from __future__ import annotations


def env_file(name: str) -> bool:
    """``.env``, ``.env.production``, ``prod.env`` (``name``: the lower-cased file name)."""
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def may_deploy(rel_path: str) -> bool:
    """An ``.env`` file or a YAML file (compose, Kubernetes, CI workflows)."""
    name = rel_path.rsplit("/", 1)[-1].lower()
    return env_file(name) or name.endswith((".yml", ".yaml"))
