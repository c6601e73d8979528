import os

# A request with this header kills the worker that served it, once its transaction has
# committed and before its answer leaves: the answer of a write that was made is lost.
CRASH_HEADER = "X-Proof-Crash"


class CrashAfterCommitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get(CRASH_HEADER) == "after-commit":
            os._exit(1)
        return response
