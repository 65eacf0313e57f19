"""The clinic's local web page and JSON API (``rights-engine serve``): FastAPI + Jinja2, served by uvicorn.

    from rights_engine.web import make_server
    server = make_server("127.0.0.1", 0)      # port 0: any free port
    threading.Thread(target=server.serve_forever, daemon=True).start()
"""

from __future__ import annotations

from .server import ClinicServer, make_server, serve

__all__ = ["ClinicServer", "make_server", "serve"]
