"""genzoo's version, here at the bottom so that every layer can name it without importing up."""

__version__ = "0.2.0"
