"""Reading a message: cleaning, language, the lexicon's evidence and sentence acts, the trained
categoriser, entities. ``analyze`` (in ``analyze.py``) is the entry point; ``train`` and
``evaluate`` build and measure the shipped model."""
