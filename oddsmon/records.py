"""Records: value classes that cost next to nothing to define, for the headless start path.

``@dataclass`` writes each method it adds (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__``, ...) as source text and compiles it with ``exec``: about 0.6 ms a frozen
class, and importing ``dataclasses`` pulls in ``inspect``, ``ast`` and ``dis`` (another 9 ms).
The thirty records ``oddsmon --check`` defines (settings, store rows, the supervision snapshot)
made that half of its start-up. ``@record`` gives them the same behaviour from functions shared
by every record, with no code compiled:

- the constructor takes the fields positionally or by name, in declaration order, with their
  defaults or ``field(default_factory=...)``; a missing or unknown argument is a ``TypeError``;
- ``repr``, ``==`` (same class, equal fields) and, for frozen records, ``hash`` as a dataclass;
- a frozen record refuses assignment and deletion with ``dataclasses.FrozenInstanceError``;
- :func:`replace` and :func:`fields` here; ``dataclasses.replace``, ``fields``, ``asdict`` and
  ``is_dataclass`` work too: ``__dataclass_fields__`` is built on first use, the one moment
  ``dataclasses`` is imported.

Type checkers read ``@record`` as a dataclass (PEP 681, ``dataclass_transform``). No slots (a
record is a handful of objects, never millions) and no inheritance between records.
"""

from __future__ import annotations

# typing.TYPE_CHECKING without importing typing at run time (mypy knows the name).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
else:
    def dataclass_transform(**_: object) -> object:
        return lambda decorated: decorated


class _Missing:
    """No default: the field is required."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One declared field: its name, default or default factory, and metadata."""

    __slots__ = ("default", "default_factory", "metadata", "name")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING,
                 metadata: Mapping[str, Any] | None = None) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.metadata: Mapping[str, Any] = {} if metadata is None else metadata

    @property
    def required(self) -> bool:
        return self.default is MISSING and self.default_factory is MISSING


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | None = None,
          metadata: Mapping[str, Any] | None = None) -> Any:
    """A field's default factory or metadata, as ``dataclasses.field`` declares them."""
    return Field(default, MISSING if default_factory is None else default_factory, metadata)


def fields(cls_or_record: Any) -> tuple[Field, ...]:
    """The record's fields in declaration order."""
    cls = cls_or_record if isinstance(cls_or_record, type) else type(cls_or_record)
    try:
        specs: tuple[Field, ...] = cls.__dict__["__record_fields__"]
    except KeyError:
        raise TypeError(f"{cls.__qualname__} is not a record") from None
    return specs


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record ``obj`` with ``changes``, through its constructor (as
    ``dataclasses.replace``)."""
    values = {f.name: getattr(obj, f.name) for f in fields(obj)}
    values.update(changes)
    return type(obj)(**values)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """A frozen record: what ``@dataclass(frozen=True)`` makes, without compiling anything."""
    return _build(cls, frozen=True)


@dataclass_transform(field_specifiers=(field,))
def mutable_record(cls: type[T]) -> type[T]:
    """A record whose fields may be reassigned (``@dataclass``): equal by value, not hashable."""
    return _build(cls, frozen=False)


def _build(cls: type[T], *, frozen: bool) -> type[T]:
    declared: list[Field] = []
    # The class's own annotations, read directly: inspect.get_annotations would import inspect.
    for name in cls.__dict__.get("__annotations__", {}):  # noqa: RUF063
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(value)
        spec.name = name
        if declared and spec.required and not declared[-1].required:
            raise TypeError(f"{cls.__qualname__}: non-default field {name!r} follows a default one")
        # As a dataclass: the class attribute is the plain default, or absent.
        if spec.default is MISSING:
            if name in cls.__dict__:
                delattr(cls, name)
        else:
            setattr(cls, name, spec.default)
        declared.append(spec)
    specs = tuple(declared)
    names = tuple(f.name for f in specs)
    known = frozenset(names)
    qualname = cls.__qualname__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(specs):
            raise TypeError(f"{qualname}.__init__() takes {len(specs) + 1} positional arguments "
                            f"but {len(args) + 1} were given")
        values = dict(zip(names, args, strict=False))  # the rest come by name or default
        for key, value in kwargs.items():
            if key not in known:
                raise TypeError(f"{qualname}.__init__() got an unexpected keyword argument {key!r}")
            if key in values:
                raise TypeError(f"{qualname}.__init__() got multiple values for argument {key!r}")
            values[key] = value
        if len(values) < len(specs):
            for spec in specs:
                if spec.name in values:
                    continue
                if spec.default is not MISSING:
                    values[spec.name] = spec.default
                elif spec.default_factory is not MISSING:
                    values[spec.name] = spec.default_factory()
                else:
                    raise TypeError(f"{qualname}.__init__() missing required argument: {spec.name!r}")
        # In declaration order, so vars() and repr() read as the class does.
        self.__dict__.update({name: values[name] for name in names})

    def _values(self: Any) -> tuple[Any, ...]:
        return tuple([self.__dict__[name] for name in names])

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={self.__dict__[name]!r}" for name in names)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return _values(self) == _values(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(_values(self))

    methods = {"__init__": __init__, "__repr__": __repr__, "__eq__": __eq__}
    if frozen:
        methods["__hash__"] = __hash__
    for key, method in methods.items():
        method.__qualname__ = f"{qualname}.{key}"
        setattr(cls, key, method)
    attributes = {"__match_args__": names, "__record_fields__": specs,
                  "__dataclass_fields__": _DATACLASS_VIEW}
    if frozen:
        attributes.update(__setattr__=_refuse_set, __delattr__=_refuse_delete)
    else:
        attributes["__hash__"] = None  # equal by value and mutable: unhashable, as a dataclass
    for key, value in attributes.items():
        setattr(cls, key, value)
    return cls


def _frozen(message: str) -> Exception:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError(message)


def _refuse_set(self: Any, name: str, value: Any) -> None:
    raise _frozen(f"cannot assign to field {name!r}")


def _refuse_delete(self: Any, name: str) -> None:
    raise _frozen(f"cannot delete field {name!r}")


class _DataclassView:
    """``__dataclass_fields__`` on first access: a record as the ``dataclasses`` functions see
    it, built once per class by ``dataclasses`` itself from the record's fields."""

    def __get__(self, obj: object, owner: type) -> dict[str, Any]:
        import dataclasses

        namespace: dict[str, Any] = {"__module__": owner.__module__, "__doc__": owner.__doc__ or "",
                                     "__annotations__": {f.name: owner.__annotations__[f.name] for f in fields(owner)}}
        for spec in fields(owner):
            namespace[spec.name] = dataclasses.field(
                default=dataclasses.MISSING if spec.default is MISSING else spec.default,
                default_factory=dataclasses.MISSING if spec.default_factory is MISSING
                else spec.default_factory,
                metadata=spec.metadata)
        shadow: Any = dataclasses.dataclass(init=False, repr=False, eq=False)(type(owner.__name__, (), namespace))
        view: dict[str, Any] = shadow.__dataclass_fields__
        type.__setattr__(owner, "__dataclass_fields__", view)  # later reads skip this descriptor
        type.__setattr__(owner, "__dataclass_params__", shadow.__dataclass_params__)
        return view


_DATACLASS_VIEW = _DataclassView()
