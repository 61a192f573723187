"""The web app: server-rendered pages (Jinja2 + htmx) over the same services as the JSON API.

Page handlers only translate forms into service calls and results into templates; every rule
lives in the domain and the services. ``install`` mounts the pages and their static files on the
FastAPI app that also serves ``/api/v1``.
"""
