"""Translated strings: the gettext catalogues under ``locales/`` and what reads them."""
