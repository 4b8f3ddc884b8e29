"""Pure functions that turn raw reports into structured data.

Nothing here touches Flask, the database or the network: bytes and dicts in,
frozen dataclasses out. `app` imports from here; this package imports from
neither `app` nor `intake`.
"""
