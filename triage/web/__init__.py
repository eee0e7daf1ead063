"""``triage serve``: the walk-through in a local browser, on top of textual-serve.

Needs the ``web`` extra (``pip install 'triage-contacts[web]'``); nothing
else in the package imports this one.
"""
