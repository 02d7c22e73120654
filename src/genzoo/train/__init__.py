"""genzoo.train: recipes, trainers (one per objective) and the loop that runs them.

May use zoo/, data/ and core/ (the trainer contract is public: docs/api.md); the
registry is handed in by the CLI or the caller, never read from the plugins here.
"""
