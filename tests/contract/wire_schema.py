"""Whether a JSON answer holds only what an SDK model (or the seed page) defines, with the model's types.

The SDK's deserialiser ignores keys it does not know, so a client built on it would never notice
an invented field; this check reads the raw JSON instead. Allowed keys come from each model's
`attribute_map` (the wire names), recursively through nested models, plus the few keys only the
seed page documents; each value must have the type the model's `openapi_types` names.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

SERVER_MODELS = frozenset(
    {
        "ServerResponse",
        "CreateDevServerResponse",
        "ShowDevServerResponse",
        "StartDevServerResponse",
        "StopDevServerResponse",
        "RebootDevServerResponse",
        "DeleteDevServerResponse",
    }
)
# Keys the seed page (Tables 6 and 8) documents and the SDK's models lack, with their types.
SEED_ONLY_FIELDS: dict[str, dict[str, str]] = {
    **{model_name: {"server_image_response": "ServerImageResponse"} for model_name in SERVER_MODELS},
    "Endpoints": {"allowed_access_ips": "list[str]"},
}
_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "datetime": (str,),
    "date": (str,),
}


def _package_of(model: type) -> ModuleType:
    """The SDK package whose namespace resolves the model's nested type names (e.g. huaweicloudsdkmodelarts.v1)."""
    return importlib.import_module(model.__module__.rsplit(".model.", 1)[0])


def _is_header(wire_name: str) -> bool:
    # Response models also list headers (X-Request-Id, X-Subject-Token); those never belong in a body.
    return wire_name.lower().startswith("x-")


def allowed_fields(model: type) -> dict[str, str]:
    """Wire name -> openapi type name of every body key the model (or the seed) allows."""
    fields = {
        model.attribute_map[attribute]: type_name
        for attribute, type_name in model.openapi_types.items()
        if not _is_header(model.attribute_map[attribute])
    }
    return {**fields, **SEED_ONLY_FIELDS.get(model.__name__, {})}


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _scalar_violations(value: Any, type_name: str, path: str) -> list[str]:
    if value is None:
        return []  # an optional scalar may be null; containers and objects may not
    expected = _SCALAR_TYPES[type_name]
    is_bool_as_number = isinstance(value, bool) and bool not in expected
    if not isinstance(value, expected) or is_bool_as_number:
        return [f"{path}: expected {type_name}, got {_type_name(value)} {value!r}"]
    return []


def _list_violations(value: Any, item_type: str, package: ModuleType, path: str) -> list[str]:
    if not isinstance(value, list):
        return [f"{path}: expected a list, got {_type_name(value)}"]
    return [
        violation
        for index, item in enumerate(value)
        for violation in value_violations(item, item_type, package, f"{path}[{index}]")
    ]


def _dict_violations(value: Any, value_type: str, package: ModuleType, path: str) -> list[str]:
    # JSON object keys are always strings, so only the values need a look.
    if not isinstance(value, dict):
        return [f"{path}: expected an object of {value_type} values, got {_type_name(value)}"]
    return [
        violation
        for key, item in value.items()
        for violation in value_violations(item, value_type, package, f"{path}.{key}")
    ]


def value_violations(value: Any, type_name: str, package: ModuleType, path: str) -> list[str]:
    """What is wrong with one value against an openapi type name ('str', 'list[Volume]', 'dict(str, str)', a model)."""
    if type_name.startswith("list[") and type_name.endswith("]"):
        return _list_violations(value, type_name[len("list[") : -1], package, path)
    if type_name.startswith("dict(str, ") and type_name.endswith(")"):
        return _dict_violations(value, type_name[len("dict(str, ") : -1], package, path)
    if type_name == "object":
        return []
    if type_name in _SCALAR_TYPES:
        return _scalar_violations(value, type_name, path)
    return document_violations(value, getattr(package, type_name), path)


def document_violations(document: Any, model: type, path: str = "") -> list[str]:
    """Every key the model and the seed lack and every value of the wrong type, each with its path."""
    where = path or "<body>"
    if not isinstance(document, dict):
        return [f"{where}: expected an object ({model.__name__}), got {_type_name(document)}"]
    fields = allowed_fields(model)
    package = _package_of(model)
    violations = []
    for key, value in document.items():
        key_path = f"{path}.{key}" if path else key
        if key not in fields:
            violations.append(f"{key_path}: neither {model.__name__} nor the seed has this key")
        else:
            violations.extend(value_violations(value, fields[key], package, key_path))
    return violations
