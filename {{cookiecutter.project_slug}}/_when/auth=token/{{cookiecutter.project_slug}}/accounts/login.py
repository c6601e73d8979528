from rest_framework.authtoken.views import ObtainAuthToken

from ..core.api.parsers import JSONParser
from .throttling import LoginRateThrottle


class LoginView(ObtainAuthToken):
    """DRF's token login with the API's JSON parser (bounded size and nesting) and its own
    rate limit: ObtainAuthToken sets no throttle and also parses forms."""

    # Credentials are the request's body: no token is needed, and none is looked up.
    authentication_classes = []
    parser_classes = [JSONParser]
    throttle_classes = [LoginRateThrottle]
