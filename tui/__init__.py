"""dbtui: browse and edit your application's database in the terminal."""

__version__ = "0.1.0"
