"""JSON rendered by orjson, for the lists that render many rows.

DRF's JSONRenderer goes through the json module, several times slower than orjson on a page
of products (docs/performance.md). The output is the same JSON for what serializers produce
(str, int, float, bool, None, lists and dicts); datetimes end in "Z" as DRF writes them.
"""

from decimal import Decimal

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import BaseRenderer

# Integer keys: DRF keys a list field's errors by index, as json.dumps would allow.
OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def _default(value):
    # A lazily translated message, or a Decimal not yet turned into a string by a serializer.
    if isinstance(value, Promise | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(data) -> bytes:
    return orjson.dumps(data, default=_default, option=OPTIONS)


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition, so no "; charset=" in Content-Type

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return to_json(data)
