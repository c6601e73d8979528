"""The API's JSON parser: DRF's, with limits on the body's size and nesting, and only text
that UTF-8 can encode."""

import json
import re

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from .errors import PayloadTooLarge

# A \uD800-\uDFFF escape: half of a surrogate pair, which JSON allows alone and UTF-8 cannot
# encode. Looked for in the raw body first, so an ordinary body is never walked.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON; DRF refuses them too (STRICT_JSON).
    raise ValueError(f"{name} is not valid JSON.")


class JSONParser(parsers.JSONParser):
    """Reads at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes: a larger body is a 413 naming the
    limit, whatever Content-Length said. JSON nested deeper than Python's recursion limit
    (about 1,000 levels) is a 400, where DRF's parser lets RecursionError become a 500. Text
    that cannot be encoded as UTF-8 (a lone surrogate) is a 400 naming where it is, where it
    would otherwise fail in the database, a cache key or a log line as a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge()
        try:
            data = json.loads(body, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if SURROGATE_ESCAPE.search(body):
            unencodable = list(_unencodable_text(data))
            if unencodable:
                message = "Not valid text: a lone surrogate cannot be encoded as UTF-8."
                raise ValidationError({where or "body": [message] for where in unencodable})
        return data


def _unencodable_text(value, where: str = ""):
    """Where, in dotted form (items.0.name), a string or a key cannot be encoded as UTF-8."""
    if isinstance(value, str):
        if not _encodable(value):
            yield where
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unencodable_text(item, f"{where}.{index}" if where else str(index))
    elif isinstance(value, dict):
        for key, item in value.items():
            if not _encodable(key):
                yield where or "body"
                continue
            yield from _unencodable_text(item, f"{where}.{key}" if where else key)


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
