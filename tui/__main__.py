"""`python -m tui` runs the `dbtui` command."""

from tui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
