"""The floor: Django's handler with no middleware at all.

What Django itself costs per request on this machine, next to the bare WSGI app's ceiling:
anything served through Django (the template, the defaults) costs at least this much.
"""

from .settings import *

MIDDLEWARE = []
ROOT_URLCONF = "bench_defaults.floor_urls"
