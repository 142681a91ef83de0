# SPDX-License-Identifier: GPL-2.0-only
"""Is a record embargo wrote (--output ocsf:...) a valid OCSF 1.8.0 event?

    errors = ocsf_check.validate(record)    # [] when it is

Two checks, both strict: anything the OCSF server's validator would flag, warnings
included (enum captions, deprecations, regexes), is an error here.

1. Always: a table transcribed by hand from the 1.8.0 schema (the Python copy of the one in
   tests/unit/ocsf_spec.h): per class and object, the attributes embargo may write (a
   subset of what the schema allows), their types, and which are required.
2. When OCSF_SCHEMA_DIR names a checkout of the schema (github.com/ocsf/ocsf-schema at
   v1.8.0): the record against the schema itself, compiled here the way the OCSF schema
   compiler does it (extends, $include of profiles, dictionary types), validated the way
   the OCSF server's validator does (attributes allowed by the class and the profiles in
   metadata.profiles, types, ranges, regexes, required attributes, enum ids and their
   captions, object constraints, type_uid). The table is checked against the schema too,
   so a slip in transcribing it shows.

Run as a script on files of JSON lines: python3 ocsf_check.py FILE...
"""
import copy
import functools
import glob
import json
import os
import re
import sys

SCHEMA_VERSION = "1.8.0"

# ---- the table -------------------------------------------------------------------------
#
# Types: integer, long, timestamp (epoch milliseconds), string, boolean, json (any value),
# object (any object: unmapped), an object's name, and "[]" before any of them for an
# array. A trailing "!" marks an attribute the schema requires. String subtypes
# (hostname_t, file_path_t...) are "string".

# events/base_event.json, with the host profile's actor and device (we always declare it)
BASE = {
    "activity_id": "integer!",
    "activity_name": "string",
    "actor": "actor",
    "category_name": "string",
    "category_uid": "integer!",
    "class_name": "string",
    "class_uid": "integer!",
    "count": "integer",
    "device": "device",
    "end_time": "timestamp",
    "message": "string",
    "metadata": "metadata!",
    "severity": "string",
    "severity_id": "integer!",
    "start_time": "timestamp",
    "status": "string",
    "status_detail": "string",
    "status_id": "integer",
    "time": "timestamp!",
    "type_name": "string",
    "type_uid": "long!",
    "unmapped": "object",
}

CLASSES = {
    0: ("events/base_event.json", BASE),
    # system.json makes actor and device required
    1001: ("events/system/file_activity.json < system.json < base_event.json",
           {**BASE, "actor": "actor!", "device": "device!", "file": "file!"}),
    1007: ("events/system/process_activity.json < system.json < base_event.json",
           {**BASE, "actor": "actor!", "device": "device!", "process": "process!"}),
    2004: ("events/findings/detection_finding.json < finding.json < base_event.json",
           {**BASE, "evidences": "[]evidences", "finding_info": "finding_info!",
            "is_alert": "boolean", "resources": "[]resource_details"}),
    6002: ("events/application/application_lifecycle.json < application.json"
           " < base_event.json",
           {**BASE, "app": "product!"}),
}

OBJECTS = {
    "actor": ("objects/actor.json",
              {"app_name": "string", "process": "process", "user": "user"}),
    "analytic": ("objects/analytic.json < _entity.json",
                 {"category": "string", "name": "string", "type": "string",
                  "type_id": "integer!", "uid": "string"}),
    "device": ("objects/device.json < endpoint.json < _entity.json",
               {"hostname": "string", "hw_info": "device_hw_info", "name": "string",
                "os": "os", "type": "string", "type_id": "integer!", "uid": "string"}),
    "device_hw_info": ("objects/device_hw_info.json",
                       {"cpu_architecture": "string", "cpu_architecture_id": "integer"}),
    "evidences": ("objects/evidences.json < _entity.json",
                  {"data": "json", "file": "file", "process": "process"}),
    "file": ("objects/file.json < _entity.json",
             {"ext": "string", "hashes": "[]fingerprint", "modified_time": "timestamp",
              "name": "string!", "path": "string", "size": "long", "type": "string",
              "type_id": "integer!"}),
    "finding_info": ("objects/finding_info.json",
                     {"analytic": "analytic", "desc": "string", "title": "string",
                      "uid": "string!"}),
    "fingerprint": ("objects/fingerprint.json",
                    {"algorithm": "string", "algorithm_id": "integer!", "value": "string!"}),
    "metadata": ("objects/metadata.json",
                 {"correlation_uid": "string", "event_code": "string", "log_name": "string",
                  "product": "product!", "profiles": "[]string", "sequence": "integer",
                  "uid": "string", "version": "string!"}),
    "os": ("objects/os.json",
           {"kernel_release": "string", "name": "string!", "type": "string",
            "type_id": "integer!"}),
    "process": ("objects/process.json < process_entity.json < _entity.json",
                {"cmd_line": "string", "created_time": "timestamp", "file": "file",
                 "name": "string", "parent_process": "process", "pid": "integer",
                 "uid": "string", "user": "user", "working_directory": "string"}),
    "product": ("objects/product.json < _entity.json",
                {"name": "string", "uid": "string", "vendor_name": "string",
                 "version": "string"}),
    "resource_details": ("objects/resource_details.json < _resource.json < _entity.json",
                         {"name": "string", "type": "string", "uid": "string",
                          "version": "string"}),
    "user": ("objects/user.json < _entity.json", {"name": "string", "uid": "string"}),
}

# Epoch milliseconds: nanoseconds fall above MS_MAX; an event's time (not a file's mtime,
# which may well be 1970) after MS_MIN (1973), where seconds would not be.
MS_MIN, MS_MAX = 10**11, 10**14
INT32 = (-2**31, 2**31 - 1)
INT64 = (-2**63, 2**63 - 1)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _table_type_ok(kind, value):
    if kind == "integer":
        return _is_int(value) and INT32[0] <= value <= INT32[1]
    if kind == "long":
        return _is_int(value) and INT64[0] <= value <= INT64[1]
    if kind == "timestamp":
        return _is_int(value) and 0 <= value < MS_MAX
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "json":
        return True
    return isinstance(value, dict)  # object, or a named object


def _table_check_value(kind, value, path, errors):
    if kind.startswith("[]"):
        if not isinstance(value, list):
            errors.append(f"{path}: expected an array of {kind[2:]}")
            return
        for i, element in enumerate(value):
            _table_check_value(kind[2:], element, f"{path}[{i}]", errors)
        return
    if not _table_type_ok(kind, value):
        errors.append(f"{path}: expected {kind}, got {value!r:.80}")
    elif kind in OBJECTS:
        _table_check_object(OBJECTS[kind][1], value, path, errors)


def _table_check_object(attrs, item, path, errors):
    for name, value in item.items():
        where = f"{path}.{name}" if path else name
        if name not in attrs:
            errors.append(f"{where}: not an attribute embargo may write here")
            continue
        _table_check_value(attrs[name].rstrip("!"), value, where, errors)
    for name, kind in attrs.items():
        if kind.endswith("!") and name not in item:
            errors.append(f"{path}.{name}: required, missing" if path else
                          f"{name}: required, missing")


def _table_errors(record):
    cls = CLASSES.get(record.get("class_uid"))
    if cls is None:
        return [f"class_uid: {record.get('class_uid')!r} is not a class embargo writes"]
    errors = []
    _table_check_object(cls[1], record, "", errors)
    if errors:
        return errors
    if record["type_uid"] != record["class_uid"] * 100 + record["activity_id"]:
        errors.append("type_uid: not class_uid * 100 + activity_id")
    if record["class_uid"] and record["category_uid"] != record["class_uid"] // 1000:
        errors.append("category_uid: not the class's category")
    if record["time"] <= MS_MIN:
        errors.append("time: not in milliseconds")
    if record["metadata"]["version"] != SCHEMA_VERSION:
        errors.append(f"metadata.version: not {SCHEMA_VERSION}")
    return errors + _run_errors(record)


def _run_errors(record):
    """Ours, beyond the schema: every record names its run and its number in the run
    (docs/outputs.md, "Sequence numbers"), the number in metadata.sequence while it fits the
    schema's 32 bits, then in unmapped.embargo.sequence."""
    meta = record["metadata"]
    errors = []
    if not meta.get("correlation_uid"):
        errors.append("metadata.correlation_uid: the run id, missing")
    unmapped = record.get("unmapped", {}).get("embargo", {}).get("sequence")
    seq = meta.get("sequence", unmapped)
    if not _is_int(seq) or seq < 1:
        errors.append(f"metadata.sequence: the record's number, missing or {seq!r}")
    elif "sequence" in meta and unmapped is not None:
        errors.append("unmapped.embargo.sequence: only past metadata.sequence's 32 bits")
    elif "sequence" not in meta and seq <= INT32[1]:
        errors.append("unmapped.embargo.sequence: fits metadata.sequence")
    return errors


# ---- the schema, compiled ---------------------------------------------------------------

def _load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _deep_merge(dest, source):
    for key, value in source.items():
        if isinstance(dest.get(key), dict) and isinstance(value, dict):
            _deep_merge(dest[key], value)
        else:
            dest[key] = value


REQUIREMENT_RANK = {"optional": 0, "recommended": 1, "required": 2}


def _merge_attribute(dest, source):
    """One attribute's details over another's, as the OCSF schema compiler merges them."""
    for key, value in source.items():
        if key not in dest or dest[key] == value:
            dest[key] = value
        elif key == "profiles":
            # null: not tied to any profile, whatever the parent said
            dest[key] = None if value is None else sorted(set(dest[key] or []) | set(value))
        elif key == "requirement" and source.get("profiles") is not None \
                and "profiles" in dest:
            dest[key] = max(dest[key], value, key=REQUIREMENT_RANK.get)
        elif isinstance(dest[key], dict) and isinstance(value, dict):
            _deep_merge(dest[key], value)
        else:
            dest[key] = value


def _merge_attributes(dest, source):
    for name, detail in source.items():
        if name in dest:
            _merge_attribute(dest[name], detail)
        else:
            dest[name] = detail


class Schema:
    """Classes (by uid) and objects (by name), flattened, with dictionary details."""

    def __init__(self, root):
        self.root = root
        dictionary = _load(os.path.join(root, "dictionary.json"))
        self.dictionary = dictionary["attributes"]
        self.types = dictionary["types"]["attributes"]
        self.categories = _load(os.path.join(root, "categories.json"))["attributes"]
        self.profile_names = {_load(p)["name"]
                              for p in glob.glob(os.path.join(root, "profiles", "*.json"))}
        self.version = _load(os.path.join(root, "version.json"))["version"]
        raw_objects = self._read("objects")
        raw_classes = self._read("events")
        self.objects = {}
        for name in raw_objects:
            self.objects[name] = self._finish(self._flatten(raw_objects, name, {}))
        flat = {}
        self.classes = {}
        for name, raw in raw_classes.items():
            item = self._flatten(raw_classes, name, flat)
            if "uid" in raw or name == "base_event":
                cls = self._finish(item)
                self._number(cls)
                self.classes[cls["uid"]] = cls

    def _read(self, folder):
        items = {}
        for path in glob.glob(os.path.join(self.root, folder, "**", "*.json"), recursive=True):
            item = _load(path)
            item["_file"] = os.path.relpath(path, self.root)
            items[item["name"]] = item
        return items

    def _own_attributes(self, item):
        attrs = copy.deepcopy(item.get("attributes", {}))
        includes = attrs.pop("$include", [])
        for detail in attrs.values():
            if "profile" in detail:  # the 1.x spelling
                profile = detail.pop("profile")
                detail["profiles"] = None if profile is None else [profile]
            if "$include" in detail:  # shared details (enums) in another file
                base = _load(os.path.join(self.root, detail.pop("$include")))
                _deep_merge(base, detail)
                detail.clear()
                detail.update(base)
        for include in [includes] if isinstance(includes, str) else includes:
            included = _load(os.path.join(self.root, include))
            base = copy.deepcopy(included.get("attributes", {}))
            if included.get("meta") == "profile":
                for detail in base.values():
                    detail["profiles"] = [included["name"]]
            _merge_attributes(base, attrs)
            attrs = base
        return attrs

    def _flatten(self, raw, name, done):
        """The item with what it inherits: the child's attribute details win."""
        if name in done:
            return done[name]
        item = copy.deepcopy(raw[name])
        item["attributes"] = self._own_attributes(raw[name])
        parent_name = item.get("extends")
        if parent_name:
            merged = copy.deepcopy(self._flatten(raw, parent_name, done))
            for key, value in item.items():
                if key == "attributes":
                    _merge_attributes(merged["attributes"], value)
                elif key == "profiles":
                    merged["profiles"] = sorted(set(merged.get("profiles", [])) | set(value))
                else:
                    merged[key] = value  # constraints too: {} drops the parent's
            item = merged
        done[name] = item
        return item

    def _finish(self, item):
        item = copy.deepcopy(item)
        attrs = {}
        for name, detail in item["attributes"].items():
            full = copy.deepcopy(self.dictionary.get(name, {}))
            _deep_merge(full, detail)
            attrs[name] = full
        # the datetime profile's siblings of every timestamp
        for name, detail in list(attrs.items()):
            if detail.get("type") == "timestamp_t":
                attrs.setdefault(f"{name}_dt", {"type": "datetime_t",
                                                "requirement": "optional",
                                                "profiles": ["datetime"]})
        item["attributes"] = attrs
        return item

    def _number(self, cls):
        category = self.categories.get(cls.get("category"), {})
        category_uid = category.get("uid", 0)
        cls["uid"] = category_uid * 1000 + cls.get("uid", 0)
        attrs = cls["attributes"]
        attrs["class_uid"]["enum"] = {str(cls["uid"]): {"caption": cls["caption"]}}
        if category:
            attrs["category_uid"]["enum"] = {str(category_uid): {"caption": category["caption"]}}
        activities = attrs["activity_id"]["enum"]
        type_enum = {str(cls["uid"] * 100 + int(k)):
                     {"caption": f"{cls['caption']}: {v['caption']}"}
                     for k, v in activities.items()}
        type_enum.setdefault(str(cls["uid"] * 100), {"caption": f"{cls['caption']}: Unknown"})
        attrs["type_uid"]["enum"] = type_enum

    # ---- validation ----

    def validate(self, record):
        errors = []
        cls = self.classes.get(record.get("class_uid")) if _is_int(record.get("class_uid")) \
            else None
        if cls is None:
            return [f"class_uid: {record.get('class_uid')!r} is no class of OCSF {self.version}"]
        profiles = self._profiles(record, errors)
        self._check_item(record, cls, "", profiles, errors)
        version = record.get("metadata", {}).get("version")
        if version != self.version:
            errors.append(f"metadata.version: {version!r}, the schema is {self.version}")
        if all(_is_int(record.get(k)) for k in ("class_uid", "activity_id", "type_uid")) \
                and record["type_uid"] != record["class_uid"] * 100 + record["activity_id"]:
            errors.append("type_uid: not class_uid * 100 + activity_id")
        return errors

    def _profiles(self, record, errors):
        profiles = record.get("metadata", {}).get("profiles") or []
        for p in profiles:
            if p not in self.profile_names:
                errors.append(f"metadata.profiles: no profile {p!r}")
        return set(profiles)

    def _check_item(self, item, schema_item, path, profiles, errors):
        attrs = {name: detail for name, detail in schema_item["attributes"].items()
                 if detail.get("profiles") is None or profiles & set(detail["profiles"])}
        if not attrs:
            return  # the "object" object: anything goes (unmapped)
        for name, value in item.items():
            where = f"{path}.{name}" if path else name
            detail = attrs.get(name)
            if detail is None:
                errors.append(f"{where}: not an attribute of {schema_item['name']}"
                              f" (with profiles {sorted(profiles)})")
            elif value is None:
                errors.append(f"{where}: null")
            else:
                self._check_attribute(name, value, detail, item, where, profiles, errors)
        for name, detail in attrs.items():
            if detail.get("requirement") == "required" and item.get(name) is None:
                where = f"{path}.{name}" if path else name
                errors.append(f"{where}: required by {schema_item['name']}, missing")
        for kind, names in (schema_item.get("constraints") or {}).items():
            present = sum(1 for n in names if n in item)
            if (kind == "at_least_one" and not present) or (kind == "just_one" and present != 1):
                errors.append(f"{path or '<event>'}: {schema_item['name']} needs {kind} of"
                              f" {names}")

    def _check_attribute(self, name, value, detail, item, where, profiles, errors):
        if "@deprecated" in detail:
            errors.append(f"{where}: deprecated since {detail['@deprecated'].get('since')}")
        values = value if detail.get("is_array") else [value]
        if detail.get("is_array") and not isinstance(value, list):
            errors.append(f"{where}: expected an array")
            return
        for i, element in enumerate(values):
            at = f"{where}[{i}]" if detail.get("is_array") else where
            self._check_value(element, detail, at, profiles, errors)
        if "enum" in detail:
            for i, element in enumerate(values):
                self._check_enum(name, element, detail, item, i, where, errors)

    def _check_value(self, value, detail, where, profiles, errors):
        kind = detail.get("type")
        if kind not in self.types:
            obj = self.objects.get(kind)
            if obj is None:
                errors.append(f"{where}: schema type {kind!r} unknown")
            elif not isinstance(value, dict):
                errors.append(f"{where}: expected a {kind} object, got {value!r:.80}")
            else:
                if "@deprecated" in obj:
                    errors.append(f"{where}: object {kind} is deprecated")
                self._check_item(value, obj, where, profiles, errors)
            return
        self._check_primitive(kind, value, where, errors)

    def _check_primitive(self, kind, value, where, errors):
        t = self.types[kind]
        base = t.get("type", kind)
        ok = {
            "boolean_t": lambda v: isinstance(v, bool),
            "integer_t": lambda v: _is_int(v) and INT32[0] <= v <= INT32[1],
            "long_t": lambda v: _is_int(v) and INT64[0] <= v <= INT64[1],
            "float_t": lambda v: isinstance(v, float),
            "string_t": lambda v: isinstance(v, str),
            "json_t": lambda v: True,
        }.get(base)
        if ok is None:
            errors.append(f"{where}: schema base type {base!r} unknown")
            return
        if not ok(value):
            errors.append(f"{where}: expected {kind} ({base}), got {value!r:.80}")
            return
        for spec in (t, self.types.get(base, {})):
            if "max_len" in spec and len(value) > spec["max_len"]:
                errors.append(f"{where}: longer than {kind}'s {spec['max_len']}")
            if "regex" in spec and not re.search(spec["regex"], value):
                errors.append(f"{where}: {value!r:.80} does not match {kind}'s pattern")
            if "range" in spec and not spec["range"][0] <= value <= spec["range"][1]:
                errors.append(f"{where}: outside {kind}'s range {spec['range']}")
            if "values" in spec and value not in spec["values"]:
                errors.append(f"{where}: not one of {kind}'s values")

    @staticmethod
    def _check_enum(name, value, detail, item, index, where, errors):
        entry = detail["enum"].get(str(value))
        if entry is None:
            errors.append(f"{where}: {value!r} is not a value of the {name} enum")
            return
        if "@deprecated" in entry:
            errors.append(f"{where}: value {value!r} is deprecated")
        sibling = detail.get("sibling")
        if not sibling or sibling not in item:
            return
        caption = item[sibling][index] if detail.get("is_array") else item[sibling]
        if value == 99:
            if caption == entry["caption"]:
                errors.append(f"{sibling}: for {name} 99 it should be the source's own"
                              f" name, not {caption!r}")
        elif caption != entry["caption"]:
            errors.append(f"{sibling}: {caption!r}, the caption of {name} {value} is"
                          f" {entry['caption']!r}")

    # ---- the table, against the schema ----

    def table_errors(self):
        errors = []
        for uid, (file, attrs) in CLASSES.items():
            cls = self.classes.get(uid)
            if cls is None:
                errors.append(f"table: class {uid} ({file}) is not in the schema")
                continue
            self._compare(f"class {uid}", attrs, cls, errors)
        for name, (file, attrs) in OBJECTS.items():
            obj = self.objects.get(name)
            if obj is None:
                errors.append(f"table: object {name} ({file}) is not in the schema")
                continue
            self._compare(f"object {name}", attrs, obj, errors)
        return errors

    def _table_kind(self, detail):
        kind = detail.get("type")
        if kind in self.types:
            base = self.types[kind].get("type", kind)
            kind = {"timestamp_t": "timestamp"}.get(kind) or {
                "integer_t": "integer", "long_t": "long", "string_t": "string",
                "boolean_t": "boolean", "json_t": "json"}.get(base, base)
        return ("[]" if detail.get("is_array") else "") + kind

    def _compare(self, what, table, item, errors):
        host = {"host"}
        for name, kind in table.items():
            detail = item["attributes"].get(name)
            if detail is None or not (detail.get("profiles") is None
                                      or host & set(detail["profiles"])):
                errors.append(f"table: {what} has no attribute {name}")
                continue
            want = self._table_kind(detail) + ("!" if detail.get("requirement") == "required"
                                               else "")
            if kind != want:
                errors.append(f"table: {what}.{name} is {kind}, the schema says {want}")
        for name, detail in item["attributes"].items():
            in_profile = detail.get("profiles") is None or host & set(detail["profiles"])
            if in_profile and detail.get("requirement") == "required" and name not in table:
                errors.append(f"table: {what} requires {name}, the table leaves it out")


@functools.lru_cache(maxsize=4)
def _schema(root):
    return Schema(root)


def validate(record: dict) -> list[str]:
    """Every reason the record is not a valid OCSF 1.8.0 event as embargo writes them."""
    if not isinstance(record, dict):
        return ["record: not a JSON object"]
    errors = _table_errors(record)
    root = os.environ.get("OCSF_SCHEMA_DIR")
    if root:
        schema = _schema(os.path.abspath(root))
        errors += schema.table_errors()
        errors += [f"schema: {e}" for e in schema.validate(record)]
    return errors


def main(paths):
    bad = 0
    count = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                count += 1
                for error in validate(json.loads(line)):
                    bad += 1
                    print(f"{path}:{number}: {error}")
    mode = "table and schema" if os.environ.get("OCSF_SCHEMA_DIR") else "table"
    print(f"{count} records, {bad} errors ({mode})")
    return 1 if bad or not count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
