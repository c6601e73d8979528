"""The template's one rule for options: files that depend on a choice live under
_when/<option>=<choice>[,<option>=<choice>]/, and every such folder is rendered by the matrix."""

import json

import pytest

from tests.conftest import TEMPLATE_DIR
from tests.matrix import COMBINATIONS

WHEN = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "_when"
OPTIONS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
# Worked out by the post-generation hook from other options.
DERIVED = {"sessions": ["yes", "no"], "compiled_queries": ["yes", "no"]}


def values(option: str) -> list[str]:
    if option in DERIVED:
        return DERIVED[option]
    default = OPTIONS[option]
    return ["yes", "no"] if isinstance(default, bool) else list(default)


def conditions(folder) -> dict[str, str]:
    return dict(condition.split("=", 1) for condition in folder.name.split(","))


def chosen(combination: dict[str, str]) -> dict[str, str]:
    """What each option is in a combination of the matrix (defaults filled in)."""
    result = {}
    for option, default in OPTIONS.items():
        if isinstance(default, bool | list) and not option.startswith("_"):
            result[option] = combination.get(option, values(option)[0 if default else 1])
    sessions = result["auth"] == "session" or result["use_admin"] == "yes"
    result["sessions"] = "yes" if sessions else "no"
    hot_reads = result["example_api"] == "yes" or result["auth"] == "token"
    result["compiled_queries"] = "yes" if hot_reads else "no"
    return result


FOLDERS = sorted(WHEN.iterdir())


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_each_folder_names_real_options_and_choices(folder):
    for option, value in conditions(folder).items():
        assert option in OPTIONS or option in DERIVED, f"{folder.name}: no option {option!r}"
        assert value in values(option), f"{folder.name}: {option} has no choice {value!r}"


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_each_folder_is_rendered_by_some_combination_of_the_matrix(folder):
    required = conditions(folder)
    assert any(
        all(chosen(combination)[key] == value for key, value in required.items())
        for combination in COMBINATIONS.values()
    ), f"no combination in tests/matrix.py renders _when/{folder.name}"
