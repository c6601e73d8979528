"""Cookiecutter extensions: a refused option is reported by the hook's message alone; free text
is escaped where it lands; the post-generation hook knows where the template is.

When hooks/pre_gen_project.py refuses an option it prints one paragraph saying what to choose
instead and exits 1. Cookiecutter then logs the hook failure *with a Python traceback* of its
own internals, which buries that paragraph. This filter keeps cookiecutter's one-line error
and drops the traceback. Cookiecutter imports this module (listed under "_extensions" in
cookiecutter.json) before it runs any hook.
"""

import json
import logging
import re
from pathlib import Path

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


def quoted(value) -> str:
    """A double-quoted string that Python, TOML and YAML all read back as the value.

    JSON's escapes (\\", \\\\, \\uXXXX) are a subset of all three; control characters, which
    TOML and YAML escape differently, are refused by hooks/pre_gen_project.py.
    """
    return json.dumps(str(value), ensure_ascii=False)


# Characters Markdown gives a meaning to; a backslash before each makes it literal text.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&])")
# At the start of a line, these begin a list or a quote.
MARKDOWN_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])")


def markdown_text(value) -> str:
    """value as literal Markdown text: no emphasis, links, headings, lists or raw HTML."""
    text = MARKDOWN_SPECIAL.sub(r"\\\1", str(value))
    return MARKDOWN_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}", text)


class EscapeFilters(Extension):
    """`quoted` and `markdown_text`, for free text (project_name, description, author) wherever
    it lands: a quote or backslash in it must not end a string in the generated files."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["quoted"] = quoted
        environment.filters["markdown_text"] = markdown_text


class TemplateDirectory(Extension):
    """`template_directory`: this template's absolute path, for .cruft.json.

    Cookiecutter's own `_repo_dir` is the path as typed (".", "../template"), relative to a
    directory the hooks, which run in the new project, cannot know; this module is imported
    from the template itself, local or cloned.
    """

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_directory"] = str(Path(__file__).resolve().parent)
