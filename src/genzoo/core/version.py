"""genzoo's version, here at the bottom so that every layer can name it without importing up."""

__version__ = "0.2.0.dev0"  # 0.2.0 when CHANGELOG.md dates its section
