"""``python -m alexnet_core``: the command-line trainer (see :mod:`alexnet_core.cli`)."""

from alexnet_core.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
