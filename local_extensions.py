"""Cookiecutter extension: a refused option is reported by the hook's message alone.

When hooks/pre_gen_project.py refuses an option it prints one paragraph saying what to choose
instead and exits 1. Cookiecutter then logs the hook failure *with a Python traceback* of its
own internals, which buries that paragraph. This filter keeps cookiecutter's one-line error
and drops the traceback. Cookiecutter imports this module (listed under "_extensions" in
cookiecutter.json) before it runs any hook.
"""

import logging

from jinja2.ext import Extension


class _WithoutHookTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and type(record.exc_info[1]).__name__ == "FailedHookException":
            record.exc_info = None
            record.exc_text = None
        return True


class QuietHookRefusals(Extension):
    """Adds nothing to Jinja; installing the log filter is its whole job."""

    def __init__(self, environment):
        super().__init__(environment)
        hooks_logger = logging.getLogger("cookiecutter.hooks")
        if not any(isinstance(f, _WithoutHookTraceback) for f in hooks_logger.filters):
            hooks_logger.addFilter(_WithoutHookTraceback())
