"""Allow ``python -m citykpi``."""

from citykpi.cli.main import main

if __name__ == "__main__":
    main()
