"""The ceiling: the smallest WSGI app that answers like /healthz, with the same JSON body.

Served by gunicorn with the generated project's gunicorn.conf.py, it measures what gunicorn,
the sockets and the load generator cost on this machine, so that every other figure can be
read as a fraction of it.
"""

BODY = b'{"status": "ok"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
