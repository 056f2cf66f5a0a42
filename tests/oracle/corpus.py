"""The oracle corpus: hand-picked cases from the spec plus a seeded random generator.

Hand-picked cases cover the schema, ``validate_cmd`` and package-name cases of spec §5.3, the
observed examples of §1, the wheel-filename table of §4 and what later releases changed
(``_hand_release_models``: pre/post pins with ``[]`` names, Python 3.13-3.15, ``..`` and ``.``
paths, required versions, ``MISSING`` dumps). The same corpus runs against every release, so
inputs carry both 2.14.5's and the later field names. Generated cases (``random.Random``
with a fixed seed, so every run sees the same corpus) aim at the places where a
re-implementation drifts: whitespace handling (pydantic strips Unicode whitespace from values,
``valdict_keys`` uses ``str.strip`` on keys, and the two disagree on e.g. ``\\x1c``), renamed
dict keys moving to the end, forbidden characters, lax type coercion, explicit ``None`` for
non-Optional fields, validator order and the wording of every message.

Each generated model input starts from a valid shape and gets odd values with a per-case
"chaos" probability (often zero), so accepted inputs -- whose dumps show stripping and key
order -- are exercised about as much as each kind of rejection.

Inputs are JSON values (they travel to ``evaluate.py`` over a pipe); ``{"__bytes_hex__": h}``
stands for bytes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .evaluate import MODEL_TARGETS, SCHEMA_TARGET

SEED = 20250512
"""Fixed seed (fractal-server 2.14.5's release date): the corpus is the same on every run."""

GENERATED_PER_TARGET: dict[str, int] = {
    "TaskManifestV2": 300,
    "ManifestV2": 300,
    "TaskCollectPipV2": 350,
    "TaskCollectCustomV2": 250,
    "WheelFile": 60,
    "TaskCreateV2": 300,
    "TaskGroupCreateV2": 200,
    "TaskGroupCreateV2Strict": 200,
    "NonEmptyStr": 80,
    "AbsolutePathStr": 120,
    "HttpUrlStr": 100,
    "DictStrAny": 80,
    "DictStrStr": 80,
    "ListUniqueNonEmptyString": 80,
    "TypeFilters": 80,
    "TaskGroupV2OriginEnum": 30,
    "TaskGroupActivityStatusV2": 30,
    "TaskGroupActivityActionV2": 30,
    "validate_cmd": 300,
    "parse_wheel_filename": 150,
    "normalize_package_name": 100,
    "compare_package_names": 100,
}

CHAOS_LEVELS = (0.0, 0.0, 0.03, 0.1, 0.3)
"""Per-case probability that a field of a generated model input gets an odd value."""

FORBIDDEN = "`#$&*()\\|[]{};<>?!"
"""The 18 characters ``validate_cmd`` rejects."""
ALLOWED_PUNCTUATION = " \t\n'\"/=,.-_:@%^+~"
"""Characters the spec lists as not forbidden."""
WHITESPACE = [
    " ", "\t", "\n", "\r", "\x0b", "\x0c", "\u00a0", "\u3000", "\u2003", "\u2028", "\u1680",
    "\x85", "\x1c", "\x1f", "\u200b", "\ufeff", "\u180e",
]  # fmt: skip
"""Python whitespace, Unicode White_Space and look-alikes that are neither (``\\u200b``...)."""
UNICODE_BITS = ["é", "ß", "Ω", "中文", "🙂", "e\u0301", "İ", "ﬁ", "Ä", "ǅ", "\x00", "\u0131"]
WORDS = ["pkg", "task", "a", "B", "fractal", "tasks", "mock", "x", "Name_1", "v2", "1.0", "0"]
GOOD_URLS = [
    "https://url.com", "http://example.org", "https://example.org/path?q=1#frag",
    "HTTPS://EXAMPLE.ORG", "http://localhost:8000/docs", "http://[::1]/", "http://127.0.0.1",
    "http://user:pw@host.org/", "https://example.org:443", "https://example.org/\u00e9",
]  # fmt: skip
BAD_URLS = [
    "https://例え.jp", "https://a_b.example", "https://example.org:99999", "http://:80",
    "ftp://x.org", "file:///tmp/x", "mailto:a@b.org", "ws://example.org", "www.example.org",
    "example.org", "//example.org", "not-an-url", "https://", "http://", "https:///path",
    "https://exa mple.org", "http://999.999.999.999", "https://example.org/a b", "", "   ",
]  # fmt: skip
ABSOLUTE_PATHS = [
    "/a", "/", "//a", "/a/", "/a/../b", "/a/./b", "/some/python", "/somewhere", "/tmp/x y",
    "/ä/ö", "/usr/bin/python3.11", "/root/pkg", "/a/b/..", "/..", "/./a/", "/a//b/./c/",
    "/a/..b/c", "/a/.../b",
]  # fmt: skip
"""Absolute paths, some with ``..`` parts (rejected from 2.18.0) or ``.``, ``//`` and trailing
slashes (normalised from 2.18.0)."""
PYTHON_VERSIONS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15", None]
"""Every ``python_version`` some release accepts (3.13 from 2.15.7, 3.14 from 2.17.0, 3.15
from 2.25.3)."""
PIN_FIELDS = [
    "pinned_package_versions",
    "pinned_package_versions_pre",
    "pinned_package_versions_post",
]
"""The pin field of 2.14.5, and the two that replace it in 2.16.0."""
ODD_PATHS = [
    "/p(1)/python", "/x;rm", "/r$oot", "/a`b`", "a", "./a", "../a", "~/a", "non/absolute/path",
    "C:\\x", "", "   ",
]  # fmt: skip
TASK_TYPES = [
    "compound", "converter_compound", "non_parallel", "converter_non_parallel", "parallel",
]  # fmt: skip
BAD_TASK_TYPES = ["Compound", "serial", "", " parallel", None, 1]
BOOLISH = [True, False, "yes", "no", "true", "False", "0", "1", 0, 1, 2, "maybe", None, "on",
           "off", "t", "f", "y", "n", 1.0, 0.0, 0.5, "", " true", [True]]  # fmt: skip
SCALARS = [0, 1, -7, 2.5, True, False, None, "", " ", "s", [], [1, "a"], {}, {"k": [None]}]
ODD_STRINGS = ["", " ", "\t\n", "\u3000", None, 1, 2.5, True, [], {}, ["x"]]
"""Values a string field should refuse (or strip to nothing)."""


@dataclass(frozen=True)
class Case:
    """One input for one target; ``source`` says where it comes from (spec section or seed)."""

    target: str
    input: Any
    source: str

    @property
    def generated(self) -> bool:
        """True for cases from the random generator (not hand-picked)."""
        return self.source.startswith("generated")


# --------------------------------------------------------------------------------------------
# Random building blocks
# --------------------------------------------------------------------------------------------


def pad(rng: random.Random, value: str) -> str:
    """Surround ``value`` with random whitespace, sometimes none."""
    if rng.random() < 0.5:
        return value
    left = "".join(rng.choices(WHITESPACE, k=rng.randint(0, 2)))
    right = "".join(rng.choices(WHITESPACE, k=rng.randint(0, 2)))
    return f"{left}{value}{right}"


def text(rng: random.Random, forbidden: float = 0.15) -> str:
    """A random string of words, unicode, punctuation and inner whitespace, maybe padded."""
    pieces = []
    for _ in range(rng.randint(0, 4)):
        roll = rng.random()
        if roll < forbidden:
            pieces.append(rng.choice(FORBIDDEN))
        elif roll < 0.55:
            pieces.append(rng.choice(WORDS))
        elif roll < 0.7:
            pieces.append(rng.choice(UNICODE_BITS))
        elif roll < 0.85:
            pieces.append(rng.choice(ALLOWED_PUNCTUATION))
        else:
            pieces.append(rng.choice(WHITESPACE))
    return pad(rng, "".join(pieces))


def word(rng: random.Random) -> str:
    """A non-blank string without forbidden characters, maybe padded with whitespace."""
    value = text(rng, forbidden=0.0)
    return value if value.strip() else pad(rng, rng.choice(WORDS))


def pick(rng: random.Random, level: float, good: Callable[[], Any], odd: Sequence[Any]) -> Any:
    """``good()``, or with probability ``level`` an odd value (a callable in ``odd`` is called)."""
    if rng.random() >= level:
        return good()
    choice = rng.choice(odd)
    return choice() if callable(choice) else choice


def maybe(rng: random.Random, value: Callable[[], Any], p: float = 0.5) -> Any:
    """``value()`` with probability ``p``, else a random scalar (often a wrong type)."""
    return value() if rng.random() < p else rng.choice(SCALARS)


def key(rng: random.Random, level: float) -> str:
    """A dict key: a word, maybe padded (so renamed); blank with probability ``level``."""
    if rng.random() < level:
        return rng.choice(["", " ", "\t", "\x1c", "\u3000 ", "\u200b"])
    return pad(rng, rng.choice(WORDS) + rng.choice(["", "", rng.choice(UNICODE_BITS)]))


def keyed_dict(
    rng: random.Random, value: Callable[[], Any], level: float = 0.15, size: int = 4
) -> dict[str, Any]:
    """A dict with random keys; with probability ``level`` a key colliding after stripping."""
    out: dict[str, Any] = {}
    for _ in range(rng.randint(0, size)):
        out[key(rng, level)] = value()
    if out and rng.random() < level:
        existing = rng.choice(list(out)).strip()
        out[f"{rng.choice(WHITESPACE)}{existing}"] = value()
    return out


def any_value(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value, nested a little."""
    if depth < 2 and rng.random() < 0.2:
        return {text(rng, 0.05): any_value(rng, depth + 1) for _ in range(rng.randint(0, 2))}
    if depth < 2 and rng.random() < 0.2:
        return [any_value(rng, depth + 1) for _ in range(rng.randint(0, 2))]
    return rng.choice([*SCALARS, text(rng), word(rng)])


def url(rng: random.Random, level: float = 0.5) -> str:
    """A valid http(s) URL, or with probability ``level`` a bad one; maybe padded."""
    return pad(rng, rng.choice(BAD_URLS if rng.random() < level else GOOD_URLS))


def path(rng: random.Random, level: float = 0.4) -> str:
    """An absolute path, or with probability ``level`` a relative/odd one; maybe extended."""
    base = rng.choice(ODD_PATHS if rng.random() < level else ABSOLUTE_PATHS)
    if rng.random() < 0.3:
        base = f"{base.rstrip('/')}/{word(rng).strip()}"
    return pad(rng, base)


def schema(rng: random.Random, level: float = 0.15) -> dict[str, Any]:
    """A JSON-schema-like dict whose top-level keys may need stripping (or collide, blank)."""
    out: dict[str, Any] = {"title": word(rng), "type": "object"}
    if rng.random() < 0.5:
        out["properties"] = {word(rng): {"type": rng.choice(["string", "integer"])}}
    if rng.random() < 0.4:
        out.update(keyed_dict(rng, lambda: any_value(rng), level, size=2))
    return out


def type_filters(rng: random.Random, level: float = 0.15) -> dict[str, Any]:
    """An input/output types dict: booleans, or lax-bool values, with awkward keys."""
    return keyed_dict(
        rng, lambda: pick(rng, level, lambda: rng.random() < 0.5, BOOLISH), level, size=3
    )


def tag_list(rng: random.Random, level: float = 0.15) -> list[Any]:
    """A tag list; with probability ``level`` repetitions after stripping or non-strings."""
    items: list[Any] = [word(rng) for _ in range(rng.randint(0, 3))]
    if items and rng.random() < level:
        items.append(pad(rng, items[0].strip()) + rng.choice(["", " "]))
    if rng.random() < level:
        items.append(rng.choice(["", " ", 1, None, ["x"]]))
    return items


def wheel_filename(rng: random.Random) -> str:
    """Wheel-like filenames of every shape: PEP 427, build tags, too few parts, paths..."""
    names = ["pkg", "My.Pkg_Name", "fractal_tasks_mock", "FrAcTaL_TaSkS_NoN_CaNoNiCaL", "", "a b"]
    versions = ["1.0", "0.0.1", "2.0rc1", "1.0.whl", "", "1!2.0", "1.0+local", "v1"]
    tails = ["py3-none-any.whl", "1-py3-none-any.whl", "cp311-cp311-linux_x86_64.whl", "whl"]
    parts = [rng.choice([*names, word(rng)])]
    if rng.random() < 0.85:
        parts.append(rng.choice(versions))
    if rng.random() < 0.6:
        parts.append(rng.choice(tails))
    name = "-".join(parts)
    roll = rng.random()
    if roll < 0.1:
        name = f"/tmp/{name}"
    elif roll < 0.2:
        name += rng.choice([".tar.gz", " (2).whl", ".whl", "-", "--"])
    elif roll < 0.25:
        name = rng.choice(["-", "--", "-1.0", "a-", "something", "something.whl"])
    return pad(rng, name) if rng.random() < 0.1 else name


# --------------------------------------------------------------------------------------------
# Per-target generators
# --------------------------------------------------------------------------------------------


def gen_task_manifest(
    rng: random.Random,
    level: float | None = None,
    name: str | None = None,
    with_schemas: bool = False,
) -> dict[str, Any]:
    """A manifest task: executables, metas, schemas, types, tags, docs and unknown keys.

    With probability ``level`` per field: no executable at all, a meta or schema on the side
    without an executable, bad types, bad URLs, awkward keys, repeated tags, blank strings.
    """
    level = rng.choice(CHAOS_LEVELS) if level is None else level
    task: dict[str, Any] = {"name": name if name is not None else rng.choice([*WORDS, word(rng)])}
    mode = rng.choice(["non_parallel", "parallel", "both"])
    if rng.random() < level:
        mode = "none"
    for kind in ("non_parallel", "parallel"):
        if mode in (kind, "both"):
            task[f"executable_{kind}"] = pick(
                rng,
                level,
                lambda: f"{rng.choice(['', 'sub/'])}{rng.choice(WORDS)}.py",
                ["x(1).py", " t.py ", "", 1, None, text(rng, 0.3)],
            )
            if rng.random() < 0.4:
                task[f"meta_{kind}"] = keyed_dict(rng, lambda: any_value(rng), level, size=2)
            if with_schemas or rng.random() < 0.5:
                task[f"args_schema_{kind}"] = pick(rng, level, lambda: schema(rng, level), [None])
        elif rng.random() < level:
            odd_field = rng.choice([f"meta_{kind}", f"args_schema_{kind}"])
            task[odd_field] = schema(rng, 0.0)
        elif rng.random() < 0.2:
            task[rng.choice([f"executable_{kind}", f"args_schema_{kind}"])] = None
    for field in ("input_types", "output_types"):
        if rng.random() < 0.3:
            task[field] = type_filters(rng, level)
    for field in ("docs_info", "category", "modality"):
        if rng.random() < 0.3:
            task[field] = pick(rng, level, lambda: word(rng), ODD_STRINGS)
    if rng.random() < 0.3:
        task["docs_link"] = pick(rng, level, lambda: url(rng, 0.0), [lambda: url(rng, 1.0), None])
    if rng.random() < 0.3:
        task["tags"] = pick(rng, level, lambda: tag_list(rng, level), ["tag", None, {"a": 1}])
    if rng.random() < 0.6:
        task["type"] = pick(rng, level, lambda: rng.choice(TASK_TYPES), BAD_TASK_TYPES)
    if rng.random() < 0.1:
        task[rng.choice(["authors", "unknown", "executable"])] = any_value(rng)
    if rng.random() < level / 3:
        del task["name"]
    return task


def gen_manifest(rng: random.Random, level: float | None = None) -> dict[str, Any]:
    """A manifest: version variants, 0-4 tasks (names from a small pool, so duplicates occur)."""
    level = rng.choice(CHAOS_LEVELS) if level is None else level
    has_schemas = rng.random() < 0.5
    names = ["a", "b", "a ", "A", "", "create_ome_zarr", "MIP_compound", " ", "b\t"]
    tasks = [
        gen_task_manifest(rng, level, name, has_schemas and rng.random() >= level)
        for name in rng.sample(names, k=rng.randint(0, 4))
    ]
    if tasks and rng.random() < level:
        tasks.append(dict(rng.choice(tasks)))
    manifest: dict[str, Any] = {
        "manifest_version": pick(rng, level, lambda: "2", ["1", "9999", 2, " 2", None]),
        "task_list": tasks,
    }
    if has_schemas or rng.random() < 0.5:
        manifest["has_args_schemas"] = pick(
            rng, level, lambda: has_schemas, ["true", 1, 0, None, "maybe", "yes"]
        )
    if rng.random() < 0.6:
        manifest["args_schema_version"] = pick(
            rng, level, lambda: rng.choice(["pydantic_v2", "pydantic_v1"]), ["", None, 2]
        )
    if rng.random() < 0.4:
        manifest["authors"] = pick(rng, level, lambda: word(rng), ODD_STRINGS)
    if rng.random() < 0.05:
        manifest["unknown_key"] = any_value(rng)
    if rng.random() < level / 3:
        del manifest["task_list"]
    return manifest


def gen_pip(rng: random.Random) -> Any:
    """A pip-collection request: packages, versions, extras, python versions, pins."""
    level = rng.choice(CHAOS_LEVELS)
    odd_cmd = [lambda: text(rng, 0.4), "pkg[extra]", ">=1.0", "1.0, <2", "; rm x", *ODD_STRINGS]
    good: dict[str, Callable[[], Any]] = {
        "package": lambda: rng.choice([word(rng), "/tmp/x.whl", "fractal-tasks-core"]),
        "package_version": lambda: pad(rng, rng.choice(["1.2.3", "1.2", "0.0.1a1", "2"])),
        "package_extras": lambda: pad(rng, rng.choice(["a,b", "extra1", "my_extra"])),
    }
    out: dict[str, Any] = {}
    for field, value in good.items():
        if rng.random() < 0.6:
            out[field] = pick(rng, level, value, odd_cmd)
    if rng.random() < 0.4:
        out["python_version"] = pick(
            rng,
            level,
            lambda: rng.choice(PYTHON_VERSIONS),
            ["3.8", " 3.10", 3.1, "3.1O", 3, "3.16"],
        )
    if rng.random() < 0.5:

        def pin() -> Any:
            return pick(rng, level, lambda: pad(rng, "1.0.0"), odd_cmd)

        def pins() -> dict[str, Any]:
            out = keyed_dict(rng, pin, level)
            if rng.random() < 0.3:  # extras in a pinned name: allowed from 2.17.2
                out[pad(rng, f"{rng.choice(WORDS)}[{rng.choice(['x', 'a,b', ''])}]")] = pin()
            return out

        for field in rng.sample(PIN_FIELDS, k=rng.choice([1, 1, 2])):
            out[field] = pick(rng, level, pins, [None, [], "a==1"])
    if rng.random() < level / 2:
        out[rng.choice(["foo", "file", "package "])] = "x"
    return out if rng.random() >= level / 5 else rng.choice([None, [], "package"])


def gen_custom(rng: random.Random) -> Any:
    """A custom-collection request with every package_root / package_name combination."""
    level = rng.choice(CHAOS_LEVELS)
    out: dict[str, Any] = {
        "manifest": pick(rng, level, lambda: gen_manifest(rng, level), [None, {}, []]),
        "python_interpreter": path(rng, level),
        "label": pick(rng, level, lambda: word(rng), ODD_STRINGS),
    }
    combo = rng.choice(["root", "name", "root_none", "name_none"])
    if rng.random() < level:
        combo = rng.choice(["both", "neither", "empty_root", "none_none"])

    def name() -> Any:
        good = [word(rng), "fractal-tasks-mock", 'a"b']
        odd = [lambda: text(rng, 0.4), "inject;code", *ODD_STRINGS]
        return pick(rng, level, lambda: rng.choice(good), odd)

    if combo in ("root", "both", "name_none"):
        out["package_root"] = path(rng, level)
    if combo in ("name", "both", "root_none"):
        out["package_name"] = name()
    if combo in ("root_none", "none_none"):
        out["package_root"] = None
    if combo in ("name_none", "none_none"):
        out["package_name"] = None
    if combo == "empty_root":
        out["package_root"] = ""
    if rng.random() < 0.4:
        out["version"] = pick(rng, level, lambda: word(rng), ODD_STRINGS)
    for field in list(out):
        if rng.random() < level / 4:
            del out[field]
    if rng.random() < level / 4:
        out["name"] = "x"
    return out


def gen_wheel_file(rng: random.Random) -> Any:
    """An upload: str/bytes/odd filenames and contents (including non-UTF-8 bytes)."""
    level = rng.choice(CHAOS_LEVELS)
    contents = [{"__bytes_hex__": "504b0304"}, {"__bytes_hex__": ""}, "PK\x03\x04"]
    out: dict[str, Any] = {
        "filename": pick(rng, level, lambda: wheel_filename(rng), SCALARS),
        "contents": pick(
            rng, level, lambda: rng.choice(contents), [{"__bytes_hex__": "ff00fe"}, 1, None, [80]]
        ),
    }
    for field in list(out):
        if rng.random() < level / 2:
            del out[field]
    if rng.random() < 0.1:
        out["extra"] = 1
    return out


def command(rng: random.Random, level: float) -> Any:
    """A task command ``<python> <root>/<executable>``; odd: forbidden chars, blank, None."""
    python, root = path(rng, level).strip() or "/p", path(rng, level).strip() or "/r"

    def good() -> str:
        return pad(rng, f"{python} {root.rstrip('/')}/{rng.choice(WORDS)}.py")

    return pick(rng, level, good, [lambda: text(rng, 0.3), "/py/x(1).py", "", "  ", None, 1])


def gen_task_create(rng: random.Random) -> Any:
    """A task record as built from a manifest, with explicit None for non-Optional fields."""
    level = rng.choice(CHAOS_LEVELS)
    out: dict[str, Any] = {"name": pick(rng, level, lambda: word(rng), ODD_STRINGS)}
    kinds = rng.choice([["non_parallel"], ["parallel"], ["non_parallel", "parallel"]])
    if rng.random() < level:
        kinds = []
    for kind in kinds:
        out[f"command_{kind}"] = command(rng, level)
        if rng.random() < 0.3:
            out[f"meta_{kind}"] = pick(
                rng, level, lambda: keyed_dict(rng, lambda: any_value(rng), level), ["x", 1]
            )
        if rng.random() < 0.5:
            out[f"args_schema_{kind}"] = pick(rng, level, lambda: schema(rng, level), ["x", []])
    for kind in ("non_parallel", "parallel"):
        if kind not in kinds and rng.random() < 0.2:
            out[rng.choice([f"meta_{kind}", f"args_schema_{kind}"])] = rng.choice([None, {}])
    for field in ("version", "args_schema_version"):
        if rng.random() < 0.5:
            out[field] = pick(
                rng, level, lambda: rng.choice(["pydantic_v2", "0.0.1", word(rng)]), ODD_STRINGS
            )
    for field in ("input_types", "output_types"):
        if rng.random() < 0.3:
            out[field] = pick(rng, level, lambda: type_filters(rng, level), [None, [], "x"])
    for field in ("docs_info", "category", "modality", "authors"):
        if rng.random() < 0.3:
            out[field] = pick(rng, level, lambda: word(rng), ODD_STRINGS)
    if rng.random() < 0.3:
        out["docs_link"] = pick(rng, level, lambda: url(rng, 0.0), [lambda: url(rng, 1.0), None])
    if rng.random() < 0.3:
        out["tags"] = pick(rng, level, lambda: tag_list(rng, level), ["tag", None, {"a": 1}])
    if rng.random() < 0.5:
        out["type"] = pick(rng, level, lambda: rng.choice(TASK_TYPES), BAD_TASK_TYPES)
    if rng.random() < level / 3:
        out[rng.choice(["foo", "source", "id"])] = "bar"
    return out


def gen_task_group(rng: random.Random) -> Any:
    """A task group: missing / relative / blank fields, lax ints and bools, pins.

    Half of the groups use the field names of 2.15.0 and later (``archive_path``, ``env_info``,
    ``pixi_version``, ``_pre``/``_post`` pins, ``resource_id`` from 2.17.0), so every release
    sees both groups it accepts and groups with fields it does not know.
    """
    level = rng.choice(CHAOS_LEVELS)
    modern = rng.random() < 0.5

    def strings() -> Any:
        return pick(rng, level, lambda: word(rng), ODD_STRINGS)

    out: dict[str, Any] = {
        "user_id": pick(rng, level, lambda: rng.choice([1, 42, 0]), ["1", "x", 1.0, 1.5, None]),
        "origin": pick(
            rng,
            level,
            lambda: rng.choice(["pypi", "wheel-file", "other"]),
            ["local", "PYPI", "", None, 1],
        ),
        "pkg_name": pick(rng, level, lambda: word(rng), ["", "  ", None, 1]),
        "version": pick(rng, level, lambda: rng.choice(["0.0.1", "1.2.3", word(rng)]), ODD_STRINGS),
        "python_version": pick(rng, level, lambda: rng.choice(["3.11", "3.12", "/d"]), ODD_STRINGS),
        "path": path(rng, level),
        "venv_path": path(rng, level),
    }
    for field in list(out):
        if rng.random() < level / 2 + (0.2 if field in ("version", "path") else 0.0):
            del out[field]
    if rng.random() < 0.3:
        out["user_group_id"] = pick(rng, level, lambda: rng.choice([None, 1]), ["2", 2.0, "g"])
    if rng.random() < 0.3:
        out["active"] = pick(rng, level, lambda: rng.random() < 0.5, BOOLISH)
    if modern and rng.random() < 0.7:
        out["resource_id"] = pick(rng, level, lambda: rng.choice([1, 2]), ["1", None, "r"])
    if modern and rng.random() < 0.3:
        out["pixi_version"] = strings()
    if rng.random() < 0.4:
        out["archive_path" if modern else "wheel_path"] = path(rng, level)
    for field in ("pip_extras", "env_info" if modern else "pip_freeze"):
        if rng.random() < 0.4:
            out[field] = strings()
    if rng.random() < 0.3:

        def value() -> Any:
            return pick(rng, level, lambda: pad(rng, "1.0"), ["", 1, None])

        pin_fields = PIN_FIELDS[1:] if modern else PIN_FIELDS[:1]
        for field in rng.sample(pin_fields, k=rng.randint(1, len(pin_fields))):
            out[field] = pick(rng, level, lambda: keyed_dict(rng, value, level), [None, []])
    if rng.random() < level / 3:
        out["id"] = 1
    return out


def gen_non_empty_str(rng: random.Random) -> Any:
    """Strings with every kind of whitespace (and non-strings)."""
    return maybe(rng, lambda: text(rng), 0.85)


def gen_absolute_path(rng: random.Random) -> Any:
    """Absolute and relative paths (and non-strings)."""
    return maybe(rng, lambda: path(rng), 0.9)


def gen_http_url(rng: random.Random) -> Any:
    """URLs: good, bad scheme, no scheme, empty host, padded (and non-strings)."""
    return maybe(rng, lambda: url(rng), 0.9)


def gen_dict_str_any(rng: random.Random) -> Any:
    """Dicts with colliding and blank keys and arbitrary values (and non-dicts)."""
    return maybe(rng, lambda: keyed_dict(rng, lambda: any_value(rng)), 0.9)


def gen_dict_str_str(rng: random.Random) -> Any:
    """Dicts with string values to strip, blank values and non-string values."""

    def value() -> Any:
        return pick(rng, 0.2, lambda: text(rng), ODD_STRINGS)

    return maybe(rng, lambda: keyed_dict(rng, value), 0.9)


def gen_list_unique(rng: random.Random) -> Any:
    """Lists with repetitions after stripping, blanks and non-strings (and non-lists)."""
    return maybe(rng, lambda: tag_list(rng, 0.3), 0.9)


def gen_type_filters(rng: random.Random) -> Any:
    """Dicts of lax booleans with awkward keys (and non-dicts)."""
    return maybe(rng, lambda: type_filters(rng, 0.3), 0.9)


def gen_enum(values: list[str]) -> Callable[[random.Random], Any]:
    """A generator for one enum: its values, case and whitespace variants, other types."""

    def generate(rng: random.Random) -> Any:
        value = rng.choice(values)
        return rng.choice(
            [value, value, value.upper(), value.capitalize(), pad(rng, value), "local", 1, None]
        )

    return generate


def gen_validate_cmd(rng: random.Random) -> Any:
    """Commands with forbidden characters, allow_char subsets and attribute names."""
    cmd = text(rng, forbidden=0.35) if rng.random() < 0.93 else rng.choice([1, None, ["a"], 2.5])
    kwargs: dict[str, Any] = {}
    if rng.random() < 0.35:
        allowed = rng.sample(FORBIDDEN, k=rng.randint(0, 18))
        kwargs["allow_char"] = rng.choice(["".join(allowed), None, "xyz"])
    if rng.random() < 0.3:
        kwargs["attribute_name"] = rng.choice(["MyAttribute", "package", "", "ÄÖ Name", "X Y"])
    return {"command": cmd, "kwargs": kwargs}


def package_name(rng: random.Random) -> str:
    """Package names with separator runs, mixed case, unicode and spaces."""
    chars = "aBcD-_.x Y" + "ÄİßΣ"
    return "".join(rng.choice(chars) for _ in range(rng.randint(0, 12)))


def respell(rng: random.Random, name: str) -> str:
    """Change case and separators of a name (normalisation-equal), sometimes a real change."""
    out = "".join(
        rng.choice("-_.") * rng.randint(1, 2) if c in "-_." else rng.choice([c, c.swapcase()])
        for c in name
    )
    return out if rng.random() < 0.8 else out + rng.choice(["x", " ", "-", "_1"])


def gen_compare(rng: random.Random) -> Any:
    """Name pairs: equal, equal after normalisation, different."""
    first = package_name(rng)
    roll = rng.random()
    second = first if roll < 0.15 else respell(rng, first) if roll < 0.8 else package_name(rng)
    return {"pkg_name_pip_show": first, "pkg_name_task_group": second}


GENERATORS: dict[str, Callable[[random.Random], Any]] = {
    "TaskManifestV2": gen_task_manifest,
    "ManifestV2": gen_manifest,
    "TaskCollectPipV2": gen_pip,
    "TaskCollectCustomV2": gen_custom,
    "WheelFile": gen_wheel_file,
    "TaskCreateV2": gen_task_create,
    "TaskGroupCreateV2": gen_task_group,
    "TaskGroupCreateV2Strict": gen_task_group,
    "NonEmptyStr": gen_non_empty_str,
    "AbsolutePathStr": gen_absolute_path,
    "HttpUrlStr": gen_http_url,
    "DictStrAny": gen_dict_str_any,
    "DictStrStr": gen_dict_str_str,
    "ListUniqueNonEmptyString": gen_list_unique,
    "TypeFilters": gen_type_filters,
    "TaskGroupV2OriginEnum": gen_enum(["pypi", "wheel-file", "pixi", "other"]),
    "TaskGroupActivityStatusV2": gen_enum(["pending", "ongoing", "failed", "OK"]),
    "TaskGroupActivityActionV2": gen_enum(
        ["collect", "deactivate", "reactivate", "delete", "reset"]
    ),
    "validate_cmd": gen_validate_cmd,
    "parse_wheel_filename": wheel_filename,
    "normalize_package_name": package_name,
    "compare_package_names": gen_compare,
}


# --------------------------------------------------------------------------------------------
# Hand-picked cases (spec §1, §4, §5.3)
# --------------------------------------------------------------------------------------------


def _mock_manifest() -> dict[str, Any]:
    """A manifest shaped like fractal_tasks_mock's (spec §5.2): header plus typical tasks."""
    schema_ = {"title": "Args", "type": "object", "properties": {"zarr_url": {"type": "string"}}}
    return {
        "manifest_version": "2",
        "has_args_schemas": True,
        "args_schema_version": "pydantic_v2",
        "authors": "name1 surname1, name2 surname2",
        "task_list": [
            {
                "name": "create_ome_zarr_compound",
                "type": "converter_compound",
                "executable_non_parallel": "create_cellvoyager_ome_zarr.py",
                "executable_parallel": "fill_cellvoyager_ome_zarr.py",
                "meta_non_parallel": {"key1": "value1"},
                "meta_parallel": {"key2": "value2"},
                "args_schema_non_parallel": schema_,
                "args_schema_parallel": schema_,
                "category": "Conversion",
                "modality": "HCS",
                "tags": ["Yokogawa", "Cellvoyager"],
                "docs_info": "## create_ome_zarr_compound\nDocs.",
            },
            {
                "name": "MIP_compound",
                "type": "compound",
                "executable_non_parallel": "new_ome_zarr.py",
                "executable_parallel": "maximum_intensity_projection.py",
                "args_schema_non_parallel": schema_,
                "args_schema_parallel": schema_,
                "input_types": {"3D": True},
                "output_types": {"3D": False},
            },
            {
                "name": "generic_task_parallel",
                "type": "parallel",
                "executable_parallel": "generic_task_parallel.py",
                "args_schema_parallel": schema_,
                "input_types": {"my_type": False},
                "output_types": {"my_type": True},
            },
            {
                "name": "generic_task",
                "type": "non_parallel",
                "executable_non_parallel": "generic_task.py",
                "args_schema_non_parallel": schema_,
            },
        ],
    }


def _hand_models() -> list[tuple[str, Any, str]]:
    """Schema cases of spec §1 and §5.3 as (target, input, source)."""
    s = {"type": "object"}
    mock = _mock_manifest()
    p_only = {"name": "t", "executable_parallel": "p.py"}
    np_only = {"name": "t", "executable_non_parallel": "np.py"}
    compound = {"name": "c", "executable_parallel": "p.py", "executable_non_parallel": "np.py"}
    custom = {"manifest": mock, "python_interpreter": "/some/python", "label": "label"}
    strict = {
        "path": "/a",
        "venv_path": "/b",
        "version": "/c",
        "python_version": "/d",
        "origin": "wheel-file",
        "wheel_path": "/a",
        "pkg_name": "x",
        "user_id": 1,
    }
    cases: list[tuple[str, Any, str]] = []

    def add(target: str, value: Any, why: str) -> None:
        cases.append((target, value, why))

    pip = "TaskCollectPipV2"
    add(pip, {"package": "  package  ", "package_version": "  1.2.3  "}, "§5.3 stripped")
    add(pip, {"package": "x", "pinned_package_versions": None}, "§5.3 pins None")
    add(
        pip, {"package": "x", "pinned_package_versions": {"    a      ": "1.0.0"}}, "§5.3 key strip"
    )
    add(pip, {"package": "x", "pinned_package_versions": {";maliciouscmd": "1"}}, "§5.3 bad key")
    add(pip, {"package": "x", "pinned_package_versions": {"a": ";maliciouscmd"}}, "§5.3 bad value")
    add(pip, {"package": "x", "pinned_package_versions": {" a ": "1", "a": "2"}}, "§5.3 dup key")
    add(pip, {"package": "x", "pinned_package_versions": {" ": "1"}}, "§5.3 empty key")
    add(pip, {"package": "; rm x"}, "§5.3 package must not contain")
    add(pip, {"package_version": "; rm x"}, "§5.3 version must not contain")
    add(pip, {"package_extras": "]; rm x; ["}, "§5.3 extras must not contain")
    add(pip, {"package": "x"}, "§5.3 plain package")
    add(pip, {"package": "/tmp/x.whl"}, "§5.3 wheel path as package")
    add(pip, {"package": "pkg[extra]"}, "§1.4 brackets rejected")
    add(pip, {"package": "pkg", "package_version": ">=1.0"}, "§1.4 specifier rejected")
    add(pip, {"package": "pkg", "package_version": "1.0, <2"}, "§1.4 specifier rejected")
    add(pip, {"package": "pkg", "package_extras": "a,b"}, "§1.4 extras list accepted")
    add(pip, {"package": "p", "pinned_package_versions": {"pkg[extra]": "1"}}, "§1.4 pin brackets")
    add(pip, {"package": "p", "pinned_package_versions": {"a": 1}}, "§1.1 DictStrStr int value")
    add(pip, {"package": "p", "python_version": "3.13"}, "§1.4 python_version literal")
    add(pip, {"package": "p", "foo": 1}, "§1.4 extra forbidden")
    add(pip, {}, "§1.4 all defaults")

    cc = "TaskCollectCustomV2"
    add(cc, {**custom, "package_name": "inject;code"}, "§5.3 package_name must not contain")
    add(cc, {**custom, "python_interpreter": "a", "package_root": "/r"}, "§5.3 relative python")
    add(cc, {**custom, "package_root": "non_absolute_path"}, "§5.3 relative root")
    add(cc, dict(custom), "§5.3 neither root nor name")
    add(
        cc,
        {**custom, "python_interpreter": "  /some/python   ", "package_root": "  /somewhere  "},
        "§5.3 stripped paths",
    )
    add(cc, {**custom, "package_root": "/r", "package_name": "n"}, "§1.5 both set")
    add(cc, {**custom, "package_root": ""}, "§1.5 empty root counts as set")
    add(cc, {**custom, "package_name": 'a"b'}, "§1.5 quotes pass")
    add(cc, {**custom, "python_interpreter": "/p(1)/python", "package_root": "/r"}, "§1.5 parens")
    add(cc, {**custom, "package_name": "fractal-tasks-mock", "version": "0.0.1"}, "§3 hyphenated")
    add(cc, {**custom, "package_root": "/r", "package_name": None}, "§1.5 explicit None name")
    add(cc, {**custom, "package_root": "/r", "extra": 1}, "§1.5 extra forbidden")
    add(cc, [custom], "§1.5 non-dict body reaches the before-validator")

    tg, tgs = "TaskGroupCreateV2", "TaskGroupCreateV2Strict"
    add(tgs, dict(strict), "§5.3 strict success")
    add(tgs, {**strict, "path": "a"}, "§5.3 relative path")
    add(tgs, {**strict, "venv_path": "b"}, "§5.3 relative venv_path")
    for field in ("path", "venv_path", "version", "python_version"):
        add(tgs, {k: v for k, v in strict.items() if k != field}, f"§5.3 strict without {field}")
    add(tg, {"user_id": 1, "origin": "other", "pkg_name": "label"}, "§3 custom group attrs")
    add(tg, {"user_id": 1, "origin": "local", "pkg_name": "x"}, "§1.8 origin local is no enum")
    add(tg, {"user_id": 1, "origin": "pypi", "pkg_name": "", "pip_extras": ""}, "§1.8 pip_extras")
    add(tg, {"user_id": 1, "origin": "pypi", "pkg_name": "  x  ", "version": "  1  "}, "§1.8 plain")
    add(
        tg,
        {
            "user_id": 1,
            "origin": "pypi",
            "pkg_name": "x",
            "pinned_package_versions": {" b ": " 2 ", "a": "1"},
        },
        "§1.8 pins",
    )
    add(
        tg,
        {"user_id": 1, "origin": "pypi", "pkg_name": "x", "python_version": None},
        "§1.8 explicit None for NonEmptyStr",
    )

    tm = "TaskManifestV2"
    add(tm, p_only, "§5.3 parallel only")
    add(tm, np_only, "§5.3 non-parallel only")
    add(tm, compound, "§5.3 both")
    add(tm, {"name": "t"}, "§5.3 no executable")
    add(tm, {**p_only, "meta_non_parallel": {"a": 1}}, "§5.3 meta_non_parallel")
    add(tm, {**p_only, "args_schema_non_parallel": s}, "§5.3 args_schema_non_parallel")
    add(tm, {**np_only, "meta_parallel": {"a": 1}}, "§5.3 meta_parallel")
    add(tm, {**np_only, "args_schema_parallel": s}, "§5.3 args_schema_parallel")
    add(tm, {**p_only, "meta_non_parallel": {"a": 1}, "args_schema_non_parallel": s}, "§1.6 order")
    add(tm, {**p_only, "docs_link": "not-an-url"}, "§5.3 bad docs_link")
    add(tm, {**p_only, "docs_link": "https://url.com"}, "§5.3 good docs_link")
    add(tm, {**p_only, "type": "non_parallel"}, "§1.6 type not checked")
    add(tm, {**p_only, "type": "serial"}, "§1.6 bad type")
    add(tm, {**p_only, "unknown": 1, "name": ""}, "§1.6 extra ignored, empty name")
    add(tm, {**p_only, "meta_parallel": {" b ": 1, "a": 2}}, "§1.1 renamed key moves to end")

    mf = "ManifestV2"
    add(mf, {"manifest_version": "2", "task_list": []}, "§5.3 empty")
    add(
        mf,
        {
            "manifest_version": "2",
            "has_args_schemas": True,
            "task_list": [
                {**compound, "args_schema_parallel": s, "args_schema_non_parallel": s},
                {**p_only, "name": "p", "args_schema_parallel": s},
                {**np_only, "name": "np", "args_schema_non_parallel": s},
            ],
        },
        "§5.3 valid with schemas",
    )
    for version in ("1", "9999", 2):
        add(mf, {"manifest_version": version, "task_list": []}, "§1.6 manifest_version")
    for task, why in (
        ({**compound, "args_schema_parallel": s}, "compound parallel schema only"),
        ({**compound, "args_schema_non_parallel": s}, "compound non-parallel schema only"),
        (compound, "compound no schemas"),
        (p_only, "parallel no schema"),
        (np_only, "non-parallel no schema"),
    ):
        add(
            mf,
            {"manifest_version": "2", "has_args_schemas": True, "task_list": [task]},
            f"§5.3 has_args_schemas: {why}",
        )
    add(mf, {"manifest_version": "2", "task_list": [p_only, p_only]}, "§5.3 duplicate names")
    add(mf, {"manifest_version": "2", "task_list": [], "authors": "  "}, "§1.6 blank authors")
    add(mf, {"manifest_version": "9999", "task_list": []}, "§5.2 invalid_manifest")
    add(mf, mock, "§5.2 fractal_tasks_mock-like manifest")
    add(
        mf,
        {
            "manifest_version": "2",
            "task_list": [{"executable_non_parallel": "easy_task.py", "name": "easy_task"}],
        },
        "§5.2 valid_tasks",
    )

    tc = "TaskCreateV2"
    add(tc, {"name": "name", "command_parallel": "cmd"}, "§5.3 minimal")
    add(tc, {"name": "name", "command_parallel": "cmd", "foo": "bar"}, "§5.3 extra")
    for types in ({"": True}, {"    ": True}, {"    a": True}, {"a": True, "  a   ": False}):
        add(tc, {"name": "n", "command_parallel": "c", "input_types": types}, "§5.3 input_types")
    add(tc, {"name": "name"}, "§5.3 no command")
    for field in ("command_parallel", "version", "args_schema_version"):
        add(tc, {"name": "n", "command_non_parallel": "c", field: None}, f"§1.7 {field}=None")
    for field in ("category", "modality"):
        add(tc, {"name": "n", "command_parallel": "c", field: ""}, f"§1.7 empty {field}")
    add(tc, {"name": "  ", "command_parallel": "c"}, "§1.7 blank name")
    add(tc, {"name": " a", "command_parallel": "c", "tags": [" a", "a"]}, "§1.7 repeated tags")
    add(
        tc,
        {"name": "n", "command_non_parallel": "/py/bin/python /root/pkg/x(1).py"},
        "§1.7 forbidden char in command",
    )
    add(tc, {"name": "n", "command_parallel": "c", "input_types": {"x": "yes"}}, "§1.1 lax bool")
    add(tc, {"name": "n", "command_parallel": "c", "input_types": {"x": "maybe"}}, "§1.1 bad bool")
    add(tc, {"name": "n", "command_parallel": "c", "command_non_parallel": "d"}, "§1.7 compound")
    add(tc, {"name": "n", "command_parallel": "c", "type": "converter_compound"}, "§1.7 kept")

    cases += _hand_release_models(mock)

    wf = "WheelFile"
    add(wf, {"filename": "x.whl", "contents": {"__bytes_hex__": "504b0304"}}, "§1.3 bytes")
    add(wf, {"filename": "x.whl", "contents": "text", "extra": 1}, "§1.3 extra ignored")
    add(wf, {"filename": "x.whl"}, "§1.3 missing contents")
    return cases


def _hand_release_models(mock: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """Cases of the fields and rules that later releases changed (evolution notes §1-§2)."""
    pip, cc, tc = "TaskCollectPipV2", "TaskCollectCustomV2", "TaskCreateV2"
    tg, tgs = "TaskGroupCreateV2", "TaskGroupCreateV2Strict"
    custom = {"manifest": mock, "python_interpreter": "/some/python", "label": "label"}
    cases: list[tuple[str, Any, str]] = []
    for version in ("3.12", "3.13", "3.14", "3.15", "3.16"):
        cases.append((pip, {"package": "p", "python_version": version}, "releases: Python"))
    for pins, why in (
        ({"pinned_package_versions_pre": {"a": "1"}}, "pre pins"),
        ({"pinned_package_versions_post": {" b ": " 2 ", "a": "1"}}, "post pins, key moved"),
        ({"pinned_package_versions_pre": {"a[x]": "1"}}, "extras in a pre-pin name"),
        ({"pinned_package_versions_post": {"a[x,y]": "1"}}, "extras in a post-pin name"),
        ({"pinned_package_versions_post": {"a": "1[x]"}}, "brackets in a pin version"),
        ({"pinned_package_versions_pre": {"a;b": "1"}}, "forbidden char in a pre-pin name"),
        ({"pinned_package_versions_post": {"numpy": "1.26 touch /tmp/x"}}, "whitespace pin"),
        ({"pinned_package_versions_pre": {}, "pinned_package_versions_post": None}, "empty"),
        ({"pinned_package_versions": {"a": "1"}, "pinned_package_versions_pre": {}}, "both"),
    ):
        cases.append((pip, {"package": "p", **pins}, f"releases: {why}"))
    for fields, why in (
        ({"python_interpreter": "/a/../python", "package_root": "/r"}, ".. in the interpreter"),
        ({"python_interpreter": "/a/./bin//python", "package_root": "/r/x/"}, "normalised"),
        ({"package_root": "/r/.."}, "trailing .. in the root"),
        ({"package_name": "pkg", "version": "  1.0  "}, "version given"),
        ({"package_name": "pkg"}, "version missing (required from 2.23.1)"),
        ({"package_name": "pkg", "version": None}, "version None"),
        ({"package_name": "pkg", "version": ""}, "version empty"),
    ):
        cases.append((cc, {**custom, **fields}, f"releases: {why}"))
    for fields, why in (
        ({"command_parallel": "c", "version": "1"}, "unset fields dumped or omitted"),
        ({"command_parallel": "c"}, "version missing (required from 2.23.1)"),
        ({"command_non_parallel": "c", "version": "1", "args_schema_version": "v2"}, "all set"),
        ({"command_parallel": None, "command_non_parallel": "c", "version": "1"}, "None"),
        ({"version": "1"}, "no command"),
        ({"command_parallel": "c", "version": "1", "type": "converter_compound"}, "enum kept"),
        ({"command_parallel": "c", "version": "1", "type": "serial"}, "bad type"),
    ):
        cases.append((tc, {"name": "n", **fields}, f"releases: {why}"))
    group = {"user_id": 1, "origin": "pypi", "pkg_name": "x", "version": "1"}
    modern = {**group, "resource_id": 1}
    strict = {**modern, "path": "/a/./b/", "venv_path": "/a/b/venv", "python_version": "3.12"}
    for target, fields, why in (
        (tg, group, "no resource_id (required from 2.17.0)"),
        (tg, modern, "unset fields dumped or omitted"),
        (tg, {**modern, "origin": "pixi", "pixi_version": "0.41"}, "pixi origin"),
        (tg, {**modern, "archive_path": "/a/x.whl", "env_info": "a==1"}, "new record names"),
        (tg, {**modern, "wheel_path": "/a/x.whl", "pip_freeze": "a==1"}, "old record names"),
        (tg, {k: v for k, v in modern.items() if k != "version"}, "version missing"),
        (tg, {**modern, "version": None}, "version None"),
        (tg, {**modern, "path": None}, "explicit None path"),
        (tg, {**modern, "pinned_package_versions_post": {" b ": "2", "a": "1"}}, "post pins"),
        (tgs, strict, "strict, path normalised from 2.18.0"),
        (tgs, {**strict, "path": "/a/../b"}, "strict, .. in path"),
        (tgs, {k: v for k, v in strict.items() if k != "resource_id"}, "strict, no resource"),
    ):
        cases.append((target, fields, f"releases: {why}"))
    return cases


def _hand_other() -> list[tuple[str, Any, str]]:
    """validate_cmd, types, enums and name helpers: spec §1.1, §1.2, §1.8, §4 and §5.3."""
    cases: list[tuple[str, Any, str]] = []
    for char in FORBIDDEN:
        cases.append(("validate_cmd", {"command": f"abc{char}def"}, f"§5.3 forbidden {char!r}"))
        cases.append(
            (
                "validate_cmd",
                {"command": f"abc{char}def", "kwargs": {"allow_char": f"xy{char}z"}},
                f"§5.3 allowed {char!r}",
            )
        )
    cases += [
        ("validate_cmd", {"command": "; rm", "kwargs": {"attribute_name": "MyAttribute"}}, "§5.3"),
        ("validate_cmd", {"command": ALLOWED_PUNCTUATION + "'\"a"}, "§1.2 allowed punctuation"),
        ("validate_cmd", {"command": 1}, "§1.2 not a string"),
        ("validate_cmd", {"command": None}, "§1.2 not a string"),
        ("validate_cmd", {"command": {"__bytes_hex__": "3b"}}, "§1.2 bytes are not a string"),
        ("validate_cmd", {"command": FORBIDDEN, "kwargs": {"allow_char": FORBIDDEN}}, "§1.2 all"),
        ("NonEmptyStr", "  pkg  ", "§1.1 strip"),
        ("NonEmptyStr", "", "§1.1 empty"),
        ("NonEmptyStr", "   ", "§1.1 blank"),
        ("NonEmptyStr", 1, "§1.1 no coercion"),
        ("NonEmptyStr", " a\n b ", "§1.1 inner whitespace kept"),
        ("AbsolutePathStr", "/path", "§5.3 absolute"),
        ("AbsolutePathStr", "   ", "§5.3 blank"),
        ("AbsolutePathStr", "non/absolute/path", "§5.3 relative"),
        ("AbsolutePathStr", "/a/../b", "§1.1 not normalised"),
        ("AbsolutePathStr", "/a/", "§1.1 trailing slash kept"),
        ("AbsolutePathStr", "/a/./b/", "releases: normalised from 2.18.0"),
        ("AbsolutePathStr", "//a//b", "releases: normpath keeps a leading //"),
        ("AbsolutePathStr", "/a/b/..", "releases: trailing .. rejected from 2.18.0"),
        ("AbsolutePathStr", "/..", "releases: root .. rejected from 2.18.0"),
        ("AbsolutePathStr", "/a/..b", "releases: '..b' is no .. part"),
        ("HttpUrlStr", "not-an-url", "§1.1 relative URL"),
        ("HttpUrlStr", "ftp://x.org", "§1.1 scheme"),
        ("HttpUrlStr", "https://", "§1.1 empty host"),
        ("HttpUrlStr", "www.example.org", "§1.1 no scheme"),
        ("HttpUrlStr", "  HTTPS://Example.org  ", "§1.1 original string stored"),
        ("DictStrStr", {"a": 1}, "§1.1 int value"),
        ("DictStrStr", {" a ": " x "}, "§1.1 stripped key and value"),
        ("DictStrAny", {" a ": 1, "a": 2}, "§1.1 collision"),
        ("DictStrAny", {"": 1, "b": 2}, "§1.1 empty key"),
        ("DictStrAny", {" b ": {" inner ": 1}, "a": 2}, "§1.1 top level only, renamed to end"),
        ("ListUniqueNonEmptyString", [" a", "a"], "§1.1 repetition after strip"),
        ("ListUniqueNonEmptyString", ["a", ""], "§1.1 empty item"),
        ("TypeFilters", {"x": "yes"}, "§1.1 lax bool"),
        ("TypeFilters", {"x": "maybe"}, "§1.1 bad bool"),
    ]
    for enum_name, values in (
        ("TaskGroupV2OriginEnum", ["pypi", "wheel-file", "other", "local", "PYPI", "WHEELFILE"]),
        ("TaskGroupV2OriginEnum", ["pixi"]),
        ("TaskGroupActivityStatusV2", ["pending", "ongoing", "failed", "OK", "ok", "PENDING"]),
        ("TaskGroupActivityActionV2", ["collect", "deactivate", "reactivate", "COLLECT", 1]),
        ("TaskGroupActivityActionV2", ["delete", "reset"]),
    ):
        cases += [(enum_name, value, "§1.8 enum lookup") for value in values]
    for filename in (
        "pkg-1.0-py3-none-any.whl",
        "pkg-1.0.whl",
        "pkg-1.0-1-py3-none-any.whl",
        "My.Pkg_Name-2.0rc1-py3-none-any.whl",
        "a-",
        "-1.0",
        "something",
        "something.whl",
        "pkg-1.0.tar.gz",
        "/tmp/something.whl",
        "something;rm /invalid/path.whl",
        "fractal_tasks_mock-0.0.1-py3-none-any (2).whl",
        "FrAcTaL_TaSkS_NoN_CaNoNiCaL-0.0.1-py3-none-any.whl",
        "",
        "-",
    ):
        cases.append(("parse_wheel_filename", filename, "§4 wheel-filename table"))
    for name in (
        "FrAcTaL_TaSkS_NoN_CaNoNiCaL",
        "friendly-bard",
        "Friendly-Bard",
        "FRIENDLY-BARD",
        "friendly.bard",
        "friendly_bard",
        "friendly--bard",
        "FrIeNdLy-._.-bArD",
        "x y",
        "",
    ):
        cases.append(("normalize_package_name", name, "§4 normalisation"))
    for pip_show, group in (
        ("fractal-tasks-mock", "fractal-tasks-mock"),
        ("FrAcTaL-TaSkS-NoN-CaNoNiCaL", "fractal-tasks-non-canonical"),
        ("fractal_tasks_mock", "fractal-tasks-mock"),
        ("fractal-tasks-mock", "fractal-tasks-core"),
        ("x y", "x-y"),
    ):
        cases.append(
            (
                "compare_package_names",
                {"pkg_name_pip_show": pip_show, "pkg_name_task_group": group},
                "§4 compare",
            )
        )
    return cases


def build_corpus(seed: int = SEED) -> list[Case]:
    """Hand-picked cases, then ``GENERATED_PER_TARGET`` random cases per generated target."""
    hand = _hand_models() + _hand_other()
    hand += [
        (SCHEMA_TARGET, name, "§5.3 JSON schema (descriptions left out)") for name in MODEL_TARGETS
    ]
    cases = [Case(t, v, f"hand: {why}") for t, v, why in hand]
    rng = random.Random(seed)
    for target, generate in GENERATORS.items():
        for index in range(GENERATED_PER_TARGET[target]):
            cases.append(Case(target, generate(rng), f"generated #{index} (seed {seed})"))
    return cases
