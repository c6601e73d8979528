"""An OTLP/HTTP receiver for the proofs whose processes export their spans."""

import http.server
import threading

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


class Collector(http.server.ThreadingHTTPServer):
    """An OTLP/HTTP receiver: keeps the spans that the workers export to /v1/traces."""

    def __init__(self):
        self.spans = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):  # the name http.server calls
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                export = ExportTraceServiceRequest.FromString(body)
                for resource in export.resource_spans:
                    for scope in resource.scope_spans:
                        self.spans.extend(scope.spans)
                handler.send_response(200)
                handler.end_headers()

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
        super().__exit__(*exc_info)


def attributes(span) -> dict[str, str]:
    """An exported span's string attributes."""
    return {attribute.key: attribute.value.string_value for attribute in span.attributes}
