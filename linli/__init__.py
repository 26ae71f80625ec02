"""Linli (邻里): a static site generator with a lightweight admin for community sites.

Data flows one way: content (database + media) → models → public Flask views rendered by
the theme, page by page (only pages whose inputs changed) → ``site/``. The admin only writes content and asks for builds.
"""

__version__ = "0.1.0"
