"""The interactive dashboard (Plotly Dash): ``custseg dashboard``."""

from custseg.dashboard.app import create_app, create_server

__all__ = ["create_app", "create_server"]
