"""gunicorn's settings for learnhub, used by .ci/deploy, the benches and the tests:

    python -m gunicorn -c python:learnhub.gunicorn_conf -w 4 -b 127.0.0.1:8000 wsgi:app

The master builds the app once (``preload_app``) and loads the search package's big
read-only tables (jieba's dictionary, pypinyin's) before it forks the workers, which share
those pages with it instead of each loading its own copy (see docs/deployment.md, "Run with
gunicorn"). The app's code is then read once, by the master: after an upgrade restart the
service (``systemctl restart learnhub-web``); ``kill -HUP`` only renews the workers from the
code the master already holds.
"""

import gc

from learnhub import forked, prepare_to_fork

preload_app = True

# Python's docs on gc.freeze(): no collection in the master while it builds the app (no
# freed holes in its pages), everything frozen right before the fork, collections again after.
gc.disable()


def on_starting(server):
    """The app is built (preload); the sockets are not open yet (no request waits while the
    tables load) and the workers not forked."""
    prepare_to_fork(server.app.wsgi())
    gc.enable()


def post_fork(server, worker):
    forked(server.app.wsgi())
