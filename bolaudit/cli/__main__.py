"""``python -m bolaudit.cli``: the same command line as the ``bolaudit`` script."""

from bolaudit.cli import main

if __name__ == "__main__":  # pragma: no cover
    main(prog_name="bolaudit")
