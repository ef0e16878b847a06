#!/usr/bin/env python3
"""jsonq.py: read one JSON document for the iampw-admin shell tests.

    jsonq.py valid FILE         exit 0 when FILE holds one JSON document
                                (anything else: exit 1, the reason on stderr)
    jsonq.py get   FILE [PATH]  the value at PATH, as compact JSON
                                (strings quoted, true/false, 12), or <absent>
    jsonq.py raw   FILE [PATH]  a string value without quotes; other values as get
    jsonq.py type  FILE [PATH]  int, bool, str, float, null, object, array or <absent>
                                (a JSON true is "bool", never "int")
    jsonq.py keys  FILE [PATH]  an object's keys, in the document's order, space-separated
    jsonq.py len   FILE [PATH]  the number of items of an array or object

FILE "-" is standard input.  PATH is keys and array indices joined by dots:
"PasswordPolicy.MinimumPasswordLength", "LoginProfiles.0.UserName"; no PATH
(or "") is the whole document.  Duplicate keys and trailing garbage are errors,
as is an empty document: the tool's output must be exactly one JSON value.
Exit status: 0, 1 for a document that is not JSON, 2 for a usage error.
"""
import json
import sys

ABSENT = object()


def no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("duplicate key %r" % k)
        seen[k] = v
    return seen


def load(path):
    if path == "-":
        text = sys.stdin.read()
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    return json.loads(text, object_pairs_hook=no_duplicates)


def walk(doc, path):
    cur = doc
    for part in path.split(".") if path else []:
        if isinstance(cur, dict):
            if part not in cur:
                return ABSENT
            cur = cur[part]
        elif isinstance(cur, list):
            try:
                cur = cur[int(part)]
            except (ValueError, IndexError):
                return ABSENT
        else:
            return ABSENT
    return cur


def type_name(v):
    if v is ABSENT:
        return "<absent>"
    if v is None:
        return "null"
    # bool is a subclass of int in Python: test it first.
    for t, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str"),
                    (dict, "object"), (list, "array")):
        if type(v) is t:
            return name
    return type(v).__name__


def main(argv):
    if len(argv) < 3 or argv[1] not in ("valid", "get", "raw", "type", "keys", "len"):
        sys.stderr.write(__doc__)
        return 2
    op, path = argv[1], argv[3] if len(argv) > 3 else ""
    try:
        doc = load(argv[2])
    except (OSError, ValueError, UnicodeDecodeError) as e:
        sys.stderr.write("jsonq: %s: not JSON: %s\n" % (argv[2], e))
        return 1
    if op == "valid":
        return 0
    v = walk(doc, path)
    if op == "type":
        print(type_name(v))
    elif v is ABSENT:
        print("<absent>")
    elif op == "raw" and isinstance(v, str):
        print(v)
    elif op in ("get", "raw"):
        print(json.dumps(v, separators=(",", ":")))
    elif op == "keys":
        if not isinstance(v, dict):
            sys.stderr.write("jsonq: %s is not an object\n" % (path or "the document"))
            return 1
        print(" ".join(v))
    elif op == "len":
        if not isinstance(v, (dict, list)):
            sys.stderr.write("jsonq: %s has no length\n" % (path or "the document"))
            return 1
        print(len(v))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
