"""One module per published design, all behind the small interface in ``base``."""
