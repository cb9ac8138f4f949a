"""domain.tags.changed_tags: what Tags_UpdateAtScope's Merge, Replace and Delete make of a scope's tags."""

from __future__ import annotations

import pytest

from subplane.domain.errors import InvalidInput
from subplane.domain.tags import MAX_TAGS, changed_tags

CURRENT = {"Env": "prod", "team": "A"}


def test_merge_adds_names_and_sets_values_of_names_present_without_case():
    assert changed_tags(CURRENT, "Merge", {"env": "dev", "cost": "1"}) == {"team": "A", "env": "dev", "cost": "1"}


def test_replace_sets_exactly_what_is_given():
    assert changed_tags(CURRENT, "replace", {"x": "y"}) == {"x": "y"}
    assert changed_tags(CURRENT, "Replace", {}) == {}


def test_delete_removes_names_and_with_a_value_only_where_it_matches():
    assert changed_tags(CURRENT, "Delete", {"ENV": ""}) == {"team": "A"}
    assert changed_tags(CURRENT, "Delete", {"team": "B"}) == CURRENT
    assert changed_tags(CURRENT, "DELETE", {"team": "A", "missing": ""}) == {"Env": "prod"}


def test_the_limits_apply_to_the_result():
    full = {f"t{n}": "v" for n in range(MAX_TAGS)}
    with pytest.raises(InvalidInput) as refused:
        changed_tags(full, "Merge", {"one-more": "v"})
    assert refused.value.code == "InvalidTags"
    assert changed_tags(full, "Merge", {"t0": "w"})["t0"] == "w"  # setting a present name adds none
    with pytest.raises(InvalidInput) as refused:
        changed_tags({}, "Replace", {"a>b": "v"})
    assert refused.value.code == "InvalidTagNameCharacters"


@pytest.mark.parametrize("operation, given, code", [("Append", {}, "InvalidTagOperation"), ("", {}, "InvalidTagOperation"),
                                                    ("Merge", {"a": 1}, "InvalidRequestContent"),
                                                    ("Merge", ["a"], "InvalidRequestContent")])
def test_bad_operations_and_bodies_are_refused(operation, given, code):
    with pytest.raises(InvalidInput) as refused:
        changed_tags(CURRENT, operation, given)
    assert refused.value.code == code
