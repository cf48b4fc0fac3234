"""Command-line interface: a thin shell over the library (see ``citykpi --help``)."""
