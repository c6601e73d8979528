"""CPU time a fresh worker spends before it answers: importing the WSGI app, then its first
request (Django loads the URLconf, and with it the views, on the first request). Prints JSON.

gunicorn replaces each worker after max_requests requests; without preload_app the new worker
pays all of this again, so it is part of the cost of every request.

    DJANGO_SETTINGS_MODULE=... python boot.py    # in the generated project's directory
"""

import io
import json
import os
import sys
import time

started = time.process_time()
sys.path.insert(0, os.getcwd())

from config.wsgi import application

imported = time.process_time()
environ = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": "/healthz",
    "QUERY_STRING": "",
    "SCRIPT_NAME": "",
    "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "8000",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "127.0.0.1",
    "REMOTE_ADDR": "127.0.0.1",
    "wsgi.input": io.BytesIO(),
    "wsgi.errors": sys.stderr,
    "wsgi.url_scheme": "http",
}
response = application(environ, lambda status, headers, exc_info=None: None)
b"".join(response)
response.close()
answered = time.process_time()
print(json.dumps({"import_s": imported - started, "first_request_s": answered - imported}))
