"""@record behaves as the frozen dataclass it replaces on the start path (oddsmon/records.py)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable

import pytest

from oddsmon import records
from oddsmon.config import Settings, SupervisionSettings
from oddsmon.records import field, mutable_record, record


@record
class Point:
    x: int
    label: str = "p"
    tags: tuple[str, ...] = field(default_factory=tuple, metadata={"doc": "tags"})

    @property
    def twice(self) -> int:
        return 2 * self.x


@mutable_record
class Box:
    size: int
    items: list[int] = field(default_factory=list)


def test_constructor_positional_keyword_and_defaults() -> None:
    assert Point(1) == Point(x=1, label="p", tags=())
    assert Point(1, "a", ("t",)).tags == ("t",)
    assert Point(3).twice == 6
    assert repr(Point(1, "a")) == "Point(x=1, label='a', tags=())"
    assert vars(Point(1)) == {"x": 1, "label": "p", "tags": ()}
    assert Point.__match_args__ == ("x", "label", "tags")
    # Each factory default is a fresh object, as with dataclasses.
    assert Box(1).items is not Box(1).items


# Calls the types refuse, as an untyped caller could still make them: the runtime errors are under test.
@pytest.mark.parametrize("make, message", [
    (lambda: Point(), "missing required argument: 'x'"),  # type: ignore[call-arg]
    (lambda: Point(1, "a", (), 4), "takes 4 positional arguments but 5 were given"),  # type: ignore[call-arg]
    (lambda: Point(1, x=2), "multiple values for argument 'x'"),  # type: ignore[misc]
    (lambda: Point(1, colour="red"), "unexpected keyword argument 'colour'"),  # type: ignore[call-arg]
])
def test_constructor_errors_name_the_argument(make: Callable[[], object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make()


def test_equality_hash_and_frozen() -> None:
    # Unlike a namedtuple, a record is not equal to the tuple of its fields: mypy knows they never
    # are, the run time's __eq__ is what is checked.
    assert Point(1) == Point(1) and Point(1) != Point(2) and Point(1) != (1, "p", ())  # type: ignore[comparison-overlap]
    assert hash(Point(1, "a")) == hash(Point(1, "a"))
    assert len({Point(1), Point(1), Point(2)}) == 2
    p = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'x'"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.label
    box = Box(1)
    box.size = 2
    assert box == Box(2) and Box.__hash__ is None


def test_the_dataclasses_functions_work_on_records() -> None:
    p = Point(1, "a")
    # Not is_dataclass(p) itself: mypy would narrow p to a bare DataclassInstance, without its fields.
    assert all(dataclasses.is_dataclass(each) for each in (p, Point))
    assert dataclasses.replace(p, x=5) == Point(5, "a")
    assert [f.name for f in dataclasses.fields(p)] == ["x", "label", "tags"]
    assert dataclasses.fields(Point)[2].metadata["doc"] == "tags"
    assert dataclasses.asdict(p) == {"x": 1, "label": "a", "tags": ()}
    assert records.replace(p, label="b") == Point(1, "b")
    with pytest.raises(TypeError, match="unexpected keyword argument 'y'"):
        records.replace(p, y=1)


def test_records_copy_and_pickle() -> None:
    p = Point(1, "a", ("t",))
    assert pickle.loads(pickle.dumps(p)) == p
    assert copy.deepcopy(p) == p and copy.copy(p) == p
    settings = Settings()
    assert pickle.loads(pickle.dumps(settings)) == settings


def test_a_required_field_after_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="non-default field 'y' follows a default one"):
        @record
        class Bad:
            x: int = 0
            y: int  # type: ignore[misc]


def test_settings_replace_keeps_the_other_sections() -> None:
    settings = Settings()
    changed = dataclasses.replace(settings, supervision=SupervisionSettings(quota_warning=7))
    assert changed.supervision.quota_warning == 7 and changed.api == settings.api
    assert changed != settings
