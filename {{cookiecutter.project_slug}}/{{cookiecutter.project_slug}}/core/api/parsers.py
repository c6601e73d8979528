"""The API's JSON parser: DRF's, with limits on the body's size and nesting."""

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .errors import PayloadTooLarge


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON; DRF refuses them too (STRICT_JSON).
    raise ValueError(f"{name} is not valid JSON.")


class JSONParser(parsers.JSONParser):
    """Reads at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes: a larger body is a 413 naming the
    limit, whatever Content-Length said. JSON nested deeper than Python's recursion limit
    (about 1,000 levels) is a 400, where DRF's parser lets RecursionError become a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge()
        try:
            return json.loads(body, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
