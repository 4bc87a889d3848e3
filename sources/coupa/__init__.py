"""Coupa (R39 API): declaration, client and mapping SQL into canonical staging."""
