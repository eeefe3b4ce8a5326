"""Entry point of the ``tier1`` command (see ``engine/cli/`` for the commands)."""

from engine.cli import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    main()
