"""The risk dashboard's pages, served by the API at ``/dashboard`` (routes in serving.api.routes.dashboard).

Plain FastAPI + Plotly: server-rendered HTML, figures as JSON data blocks drawn by one static
script, no inline script, so the pages run under a strict Content-Security-Policy
(``script-src 'self'``). docs/monitoring.md says why this over Dash, Streamlit or Panel.
"""
