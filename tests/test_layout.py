"""The template's one rule for options: files that depend on a choice live under
_when/<option>=<choice>[,<option>=<choice>]/, and every such folder is rendered by the matrix."""

import json

import pytest
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

from tests.conftest import PROOFS_DIR, TEMPLATE_DIR, conditions, folder_values
from tests.matrix import COMBINATIONS

WHEN = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "_when"
COOKIECUTTER_JSON = TEMPLATE_DIR / "cookiecutter.json"
OPTIONS = json.loads(COOKIECUTTER_JSON.read_text())
# Derived options: cookiecutter.json declares each once, as a private "__" variable.
DERIVED = [key for key in OPTIONS if key.startswith("__") and not key.endswith("__")]


def chosen(combination: dict[str, str]) -> dict[str, str]:
    """Every option of a combination as a folder name spells it, derived ones included, as
    cookiecutter itself renders them."""
    context = generate_context(str(COOKIECUTTER_JSON), extra_context=combination)
    return folder_values(prompt_for_config(context, no_input=True))


RENDERED = [chosen(combination) for combination in COMBINATIONS.values()]
# The project's optional files, and the proofs' (rendered into tests/proofs/ of each project).
FOLDERS = sorted([*WHEN.iterdir(), *(PROOFS_DIR / "_when").iterdir()])
IDS = [("proofs/" if PROOFS_DIR in folder.parents else "") + folder.name for folder in FOLDERS]


def values(option: str) -> set[str]:
    """Every value an option takes somewhere in the matrix."""
    return {answers[option] for answers in RENDERED}


def test_every_derived_option_takes_each_of_its_values_in_the_matrix():
    for option in DERIVED:
        assert values(option.removeprefix("__")) == {"yes", "no"}, option


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_each_folder_names_real_options_and_choices(folder):
    options = RENDERED[0].keys()
    for option, value in conditions(folder.name).items():
        assert option in options, f"{folder.name}: no option {option!r}"
        default = OPTIONS.get(option, OPTIONS.get(f"__{option}"))
        choices = ["yes", "no"] if isinstance(default, bool | str) else default
        assert value in choices, f"{folder.name}: {option} has no choice {value!r}"


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_each_folder_is_rendered_by_some_combination_of_the_matrix(folder):
    required = conditions(folder.name)
    assert any(
        all(answers.get(key) == value for key, value in required.items()) for answers in RENDERED
    ), f"no combination in tests/matrix.py renders _when/{folder.name}"
