"""WSGI entry point: ``gunicorn wsgi:app``."""

from learnhub import create_app

app = create_app()
