"""A stand-in Ollama server for tests: it speaks Ollama's REST protocol, because Ollama cannot run here.

Facts come from ollama/ollama ``docs/api.md`` and, for error wordings and status codes, ``server/routes.go``
as of v0.12.0 (the version this stand-in reports). Production code talks to it through the official
``ollama`` client exactly as to a real Ollama; tests steer it through the controls on :class:`OllamaStandIn`.

Run it by hand with ``python -m tests.support.ollama --port 11434 [--models llama2:7b,nomic-embed-text]``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import math
import re
import socket
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

VERSION = "0.12.0"
DEFAULT_MODELS = ("llama2:7b", "nomic-embed-text")
DEFAULT_LIBRARY = ("llama2:7b", "mistral:7b", "codellama:7b", "nomic-embed-text", "all-minilm")
DEFAULT_KEEP_ALIVE = 300.0  # seconds: Ollama's default "5m"
FOREVER = 290 * 365 * 86400.0  # a negative keep_alive keeps the model loaded (Go's longest duration)
JSON_TYPE = "application/json; charset=utf-8"
NDJSON_TYPE = "application/x-ndjson"
TEXT_TYPE = "text/plain; charset=utf-8"

Json = Any
Wait = Callable[[float], bool]


# --- the model catalogue -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """What Ollama reports about a model family: its details, size, embedding width and abilities."""

    family: str
    parameter_size: str
    quantization: str
    size: int
    dims: int
    context_length: int
    capabilities: tuple[str, ...]
    template: str = "{{ .Prompt }}"
    stops: tuple[str, ...] = ()


_LLAMA2 = ModelSpec(
    "llama", "7B", "Q4_0", 3826793677, 4096, 4096, ("completion",),
    "[INST] <<SYS>>{{ .System }}<</SYS>>\n\n{{ .Prompt }} [/INST]\n", ("[INST]", "[/INST]", "<<SYS>>", "<</SYS>>"),
)  # fmt: skip
CATALOG: dict[str, ModelSpec] = {
    "llama2": _LLAMA2,
    "mistral": ModelSpec(
        "llama", "7.2B", "Q4_0", 4113301824, 4096, 32768, ("completion", "tools"),
        "[INST] {{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}[/INST]", ("[INST]", "[/INST]"),
    ),
    "codellama": ModelSpec(
        "llama", "7B", "Q4_0", 3825910662, 4096, 16384, ("completion", "insert"),
        "[INST] <<SYS>>{{ .System }}<</SYS>>\n\n{{ .Prompt }} [/INST]\n", ("[INST]", "[/INST]"),
    ),
    "nomic-embed-text": ModelSpec("nomic-bert", "137M", "F16", 274302450, 768, 2048, ("embedding",)),
    "all-minilm": ModelSpec("bert", "23M", "F16", 45960996, 384, 512, ("embedding",)),
}  # fmt: skip


def canonical(name: str) -> str:
    """The name Ollama lists a model under: lower case, short registry form, tag ``latest`` when none is given."""
    name = name.strip().lower().removeprefix("registry.ollama.ai/").removeprefix("library/")
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def spec_for(name: str) -> ModelSpec:
    base = canonical(name).rsplit("/", 1)[-1].split(":")[0]
    return CATALOG.get(base, _LLAMA2)


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _details(name: str) -> dict[str, Json]:
    spec = spec_for(name)
    tag = canonical(name).rsplit(":", 1)[1]
    size = re.fullmatch(r"(\d+(?:\.\d+)?)b", tag)
    return {
        "parent_model": "",
        "format": "gguf",
        "family": spec.family,
        "families": [spec.family],
        "parameter_size": size.group(1) + "B" if size else spec.parameter_size,
        "quantization_level": spec.quantization,
    }


def _timestamp(moment: datetime) -> str:
    """RFC 3339 with the fraction trimmed and ``Z`` for UTC, as Go's ``time.Time`` marshals."""
    stamp = moment.replace(tzinfo=None).isoformat(timespec="microseconds").rstrip("0").rstrip(".")
    minutes = int((moment.utcoffset() or timedelta()).total_seconds() // 60)
    if minutes == 0:
        return f"{stamp}Z"
    sign = "+" if minutes > 0 else "-"
    return f"{stamp}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _now() -> str:
    return _timestamp(datetime.now(UTC))


# --- text, tokens and embeddings -----------------------------------------------------------------------------------

_STOP_WORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "but", "by", "do", "does", "for", "from", "how", "i", "in", "is", "it",
     "its", "of", "on", "or", "so", "that", "the", "this", "to", "was", "we", "what", "when", "where", "which", "who",
     "why", "will", "with", "you")
)  # fmt: skip


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "ed", "s"):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Bag-of-words terms: CamelCase split, lower case, letters only, stop words dropped, crudely stemmed."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return [_stem(word) for word in re.findall(r"[a-z]+", spaced.lower()) if word not in _STOP_WORDS]


def embedding(text: str, dims: int) -> list[float]:
    """A deterministic unit vector in which texts sharing words lie close: each term adds +-1 at a hashed index."""
    vector = [0.0] * dims
    for term in terms(text) or [text.strip().lower()]:
        digest = hashlib.blake2b(term.encode(), digest_size=8).digest()
        vector[int.from_bytes(digest[:4], "big") % dims] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(value * value for value in vector)) or 1.0
    return [value / norm for value in vector]


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", text)


def _token_ids(text: str) -> list[int]:
    return [int.from_bytes(hashlib.blake2b(t.encode(), digest_size=4).digest(), "big") % 32000 for t in _tokens(text)]


def _pieces(text: str) -> list[str]:
    """The streamed chunks of a reply: word by word, each with its leading whitespace, so they join back exactly."""
    return re.findall(r"\s*\S+|\s+", text)


def _metrics(prompt_tokens: int, eval_count: int, *, cold: bool) -> dict[str, int]:
    """Durations in nanoseconds at realistic speeds: a 7B model on a modest GPU."""
    load = 1_532_000_000 if cold else 12_000_000
    prompt_eval = max(prompt_tokens, 1) * 1_800_000
    evaluation = eval_count * 22_000_000
    return {
        "total_duration": load + prompt_eval + evaluation + 3_000_000,
        "load_duration": load,
        "prompt_eval_count": max(prompt_tokens, 1),
        "prompt_eval_duration": prompt_eval,
        "eval_count": eval_count,
        "eval_duration": evaluation,
    }


# --- JSON Schema instances (structured outputs) --------------------------------------------------------------------

_sre_parse: Any = importlib.import_module("re._parser")


class _Unsupported(Exception):
    pass


_CATEGORY_CHARS = {"DIGIT": "0", "NOT_DIGIT": "a", "WORD": "a", "NOT_WORD": "-", "SPACE": " ", "NOT_SPACE": "a"}


def _emit(items: Iterable[tuple[Any, Any]]) -> str:
    return "".join(_emit_one(op.name, arg) for op, arg in items)


def _emit_one(op: str, arg: Any) -> str:
    """The shortest text one regex node matches (a small subset of regex syntax; the rest is unsupported)."""
    if op == "LITERAL":
        return chr(arg)
    if op in ("NOT_LITERAL", "ANY"):
        return "a" if arg != ord("a") else "b"
    if op == "AT":
        return ""
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        return _emit(arg[2]) * arg[0]
    if op == "SUBPATTERN":
        return _emit(arg[-1])
    if op == "ATOMIC_GROUP":
        return _emit(arg)
    if op == "BRANCH":
        return _emit(arg[1][0])
    if op == "IN" and arg and arg[0][0].name != "NEGATE":
        kind, value = arg[0][0].name, arg[0][1]
        if kind == "LITERAL":
            return chr(value)
        if kind == "RANGE":
            return chr(value[0])
        if kind == "CATEGORY":
            return _CATEGORY_CHARS.get(value.name.removeprefix("CATEGORY_"), "a")
    raise _Unsupported(op)


def pattern_example(pattern: str) -> str | None:
    """A string that matches a simple regex pattern, or None when the pattern is beyond this little generator."""
    try:
        text = _emit(_sre_parse.parse(pattern))
    except (re.error, _Unsupported, TypeError, IndexError, AttributeError):
        return None
    return text if re.search(pattern, text) else None


class SchemaInstance:
    """Builds a minimal instance valid against a JSON Schema: required properties only, ``minItems`` items,
    the first ``enum`` value, strings honouring length, simple patterns and formats, numbers within bounds.
    ``variant`` varies strings and numbers so array items can be unique."""

    _FORMATS = {
        "date-time": "2024-01-01T00:00:00Z",
        "date": "2024-01-01",
        "time": "00:00:00Z",
        "email": "stand-in@example.com",
        "uri": "https://example.com/",
        "uuid": "00000000-0000-4000-8000-000000000000",
        "ipv4": "127.0.0.1",
        "hostname": "example.com",
    }

    def __init__(self, root: Json) -> None:
        self.root = root

    def of(self, schema: Json, variant: int = 0, depth: int = 0) -> Json:
        schema = self._resolve(schema, depth)
        if not isinstance(schema, dict):
            return "stand-in"
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][variant % len(schema["enum"])]
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                return self.of(schema[key][0], variant, depth + 1)
        builders = {"object": self._object, "array": self._array, "string": self._string,
                    "integer": self._integer, "number": self._number, "boolean": self._boolean}  # fmt: skip
        kind = self._type(schema)
        if kind == "null":
            return None
        return builders[kind](schema, variant, depth) if kind in builders else "stand-in"

    def _resolve(self, schema: Json, depth: int) -> Json:
        if depth > 32:
            raise ValueError("schema nests too deeply")
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            target: Json = self.root
            for part in schema["$ref"].removeprefix("#").strip("/").split("/"):
                if part:
                    target = target[part.replace("~1", "/").replace("~0", "~")]
            schema = {**{k: v for k, v in schema.items() if k != "$ref"}, **target}
        if isinstance(schema, dict) and schema.get("allOf"):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                merged.update(self._resolve(part, depth + 1))
            return merged
        return schema

    @staticmethod
    def _type(schema: dict[str, Json]) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in schema or "required" in schema else "array" if "items" in schema else ""
        return str(kind)

    def _object(self, schema: dict[str, Json], variant: int, depth: int) -> dict[str, Json]:
        properties = schema.get("properties", {})
        wanted = list(schema.get("required", []))
        extra = [name for name in properties if name not in wanted]
        wanted += extra[: max(schema.get("minProperties", 0) - len(wanted), 0)]
        return {name: self.of(properties.get(name, {}), variant, depth + 1) for name in wanted}

    def _array(self, schema: dict[str, Json], variant: int, depth: int) -> list[Json]:
        prefix, items = schema.get("prefixItems", []), schema.get("items", {})
        count = schema.get("minItems", 0)
        return [self.of(prefix[i] if i < len(prefix) else items, variant + i, depth + 1) for i in range(count)]

    def _string(self, schema: dict[str, Json], variant: int, depth: int) -> str:
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if "pattern" in schema:
            example = pattern_example(schema["pattern"])
            if example is not None:
                return example
        text = self._FORMATS.get(schema.get("format", ""), "stand-in" + (f"-{variant}" if variant else ""))
        text = text.ljust(low, "x")
        return text[:high] if high is not None else text

    def _integer(self, schema: dict[str, Json], variant: int, depth: int) -> int:
        return int(self._number(schema, variant, depth, integer=True))

    def _number(self, schema: dict[str, Json], variant: int, depth: int, *, integer: bool = False) -> float:
        step = schema.get("multipleOf") or (1 if integer else 0.5)
        low, high = schema.get("minimum"), schema.get("maximum")
        if isinstance(schema.get("exclusiveMinimum"), int | float):
            low = max(low if low is not None else -math.inf, schema["exclusiveMinimum"] + step)
        if isinstance(schema.get("exclusiveMaximum"), int | float):
            high = min(high if high is not None else math.inf, schema["exclusiveMaximum"] - step)
        value = low if low is not None else min(0, high) if high is not None else 0
        value = math.ceil(value / step) * step + variant * step
        if high is not None and value > high:
            value = math.floor(high / step) * step
        return math.ceil(value) if integer else value

    def _boolean(self, schema: dict[str, Json], variant: int, depth: int) -> bool:
        return variant % 2 == 0


# --- protocol plumbing ---------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An answer of ``{"error": message}`` with an HTTP status, as Ollama's handlers give."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Reply:
    status: int
    body: Json = None
    stream: Iterator[dict[str, Json]] | None = None
    content_type: str = JSON_TYPE


def _go_kind(value: Json) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "null"


@dataclass
class Body:
    """A decoded request, read the way Go's ``encoding/json`` binds it into ``api.<struct>``: wrong types are 400s."""

    struct: str
    data: dict[str, Json] = field(default_factory=dict)

    @classmethod
    def decode(cls, raw: bytes, struct: str) -> Body:
        text = raw.decode("utf-8", errors="replace")
        if not text.strip():
            raise ApiError(400, "missing request body")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text.rstrip()):
                raise ApiError(400, "unexpected EOF") from None
            char = text[exc.pos].replace("'", "\\'")
            raise ApiError(400, f"invalid character '{char}' looking for beginning of value") from None
        if data is not None and not isinstance(data, dict):
            raise ApiError(400, f"json: cannot unmarshal {_go_kind(data)} into Go value of type api.{struct}")
        return cls(struct, data or {})

    def get(self, key: str, kind: type | tuple[type, ...], go_type: str, default: Json = None) -> Json:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise _unmarshal_error(value, f"{self.struct}.{key}", go_type)
        return value

    def text(self, key: str) -> str:
        return str(self.get(key, str, "string", ""))

    def flag(self, key: str, default: bool) -> bool:
        return bool(self.get(key, bool, "bool", default))


def go_json(value: Json) -> bytes:
    """JSON as Go's ``json.Marshal`` writes it: compact, UTF-8, with <, > and & escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def _unmarshal_error(value: Json, where: str, go_type: str) -> ApiError:
    return ApiError(400, f"json: cannot unmarshal {_go_kind(value)} into Go struct field {where} of type {go_type}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def keep_alive_seconds(value: Json) -> float:
    """``keep_alive`` as Ollama reads it: seconds as a number, or a Go duration string ("5m", "1h30m", "-1")."""
    if value is None:
        return DEFAULT_KEEP_ALIVE
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    with suppress(ValueError):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", text.lstrip("-+"))
    if not parts or "".join(n + u for n, u in parts) != text.lstrip("-+"):
        raise ApiError(400, f'time: invalid duration "{text}"')
    seconds = sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)
    return -seconds if text.startswith("-") else seconds


# --- the stand-in --------------------------------------------------------------------------------------------------


class OllamaStandIn:
    """An Ollama that tests can steer. Controls:

    ``url``; ``models`` (present) and ``library`` (pullable) as settable name lists; ``delay`` seconds before each
    ``/api/*`` answer and ``chunk_delay`` between streamed lines; ``down()`` / ``up()`` to refuse connections and
    listen again on the same port; ``fail_next(status, error, count)``; ``reply(substring, text)`` for canned
    answers; ``set_embedding(text, vector)``; ``calls`` (a Counter by path) and ``requests`` (``(path, body)``
    pairs), cleared by ``reset()``.
    """

    def __init__(
        self,
        *,
        models: Iterable[str] = DEFAULT_MODELS,
        library: Iterable[str] = DEFAULT_LIBRARY,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.host, self.port = host, port
        self.delay = 0.0
        self.chunk_delay = 0.0
        self.quiet = True
        self.calls: Counter[str] = Counter()
        self.requests: list[tuple[str, Json]] = []
        self._lock = threading.RLock()
        self._models: dict[str, datetime] = {}
        self._library: list[str] = []
        self._replies: dict[str, str] = {}
        self._pins: dict[str, list[float]] = {}
        self._failures: deque[tuple[int, str]] = deque()
        self._loaded: dict[str, datetime] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.models = list(models)
        self.library = list(library)

    # controls

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def models(self) -> list[str]:
        with self._lock:
            return list(self._models)

    @models.setter
    def models(self, names: Iterable[str]) -> None:
        now = datetime.now(UTC)
        with self._lock:
            self._models = {canonical(name): now for name in names}

    @property
    def library(self) -> list[str]:
        with self._lock:
            return list(self._library)

    @library.setter
    def library(self, names: Iterable[str]) -> None:
        with self._lock:
            self._library = [canonical(name) for name in names]

    def fail_next(self, status: int, error: str, count: int = 1) -> None:
        """The next ``count`` API requests answer ``status`` with ``{"error": error}`` (queued after earlier ones)."""
        with self._lock:
            self._failures.extend([(status, error)] * count)

    def reply(self, substring: str, text: str) -> None:
        """Answer ``text`` when the prompt (or the last user message) contains ``substring``; the latest wins."""
        with self._lock:
            self._replies.pop(substring, None)
            self._replies[substring] = text

    def set_embedding(self, text: str, vector: list[float]) -> None:
        """Pin the vector returned for exactly ``text`` (any model, both embedding endpoints), as given."""
        with self._lock:
            self._pins[text] = list(vector)

    def reset(self) -> None:
        """Forget the recorded calls and requests."""
        with self._lock:
            self.calls.clear()
            self.requests.clear()

    # lifecycle

    @property
    def is_up(self) -> bool:
        return self._httpd is not None

    def up(self) -> None:
        """Listen (again) on the same port; the first start picks a free port when ``port`` is 0."""
        with self._lock:
            if self._httpd is not None:
                return
            self._httpd = _HTTPServer((self.host, self.port), self)
            self.port = int(self._httpd.server_address[1])
            self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)
            self._thread.name = f"ollama-standin:{self.port}"
            self._thread.start()

    def down(self) -> None:
        """Stop listening and drop open connections: clients get connection refused until ``up()``."""
        with self._lock:
            httpd, thread, self._httpd, self._thread = self._httpd, self._thread, None, None
        if httpd is None or thread is None:
            return
        httpd.shutdown()
        thread.join()
        httpd.drop_connections()
        httpd.server_close()  # joins the request threads

    start = up
    stop = down

    def __enter__(self) -> OllamaStandIn:
        self.up()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.down()

    # request handling (called from the request threads)

    def handle(self, method: str, path: str, raw: bytes, wait: Wait) -> Reply | None:
        """The reply to one request, or None when the server went down while the request waited."""
        self._record(path, raw)
        if not path.startswith("/api/"):
            return self._route(method, path, raw)
        if self.delay > 0 and wait(self.delay):
            return None
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
        if failure:
            return Reply(failure[0], {"error": failure[1]})
        return self._route(method, path, raw)

    def _record(self, path: str, raw: bytes) -> None:
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        with self._lock:
            self.calls[path] += 1
            self.requests.append((path, body))

    def _route(self, method: str, path: str, raw: bytes) -> Reply:
        routes = _ROUTES.get(path)
        if routes is None:
            return Reply(404, "404 page not found", content_type=TEXT_TYPE)
        if method not in routes:
            return Reply(405, "405 method not allowed", content_type=TEXT_TYPE)
        endpoint, struct = routes[method]
        try:
            return endpoint(self, Body.decode(raw, struct) if struct else Body(""))
        except ApiError as exc:
            return Reply(exc.status, {"error": exc.message})

    def _present(self, name: str) -> str | None:
        key = canonical(name)
        with self._lock:
            return key if key in self._models else None

    def _use(self, model: str, keep_alive: float) -> bool:
        """Mark ``model`` loaded until ``keep_alive`` runs out; True when it had to be loaded (a cold start)."""
        now = datetime.now(UTC)
        with self._lock:
            cold = self._loaded.get(model, now) <= now
            if keep_alive == 0:
                self._loaded.pop(model, None)
            else:
                self._loaded[model] = now + timedelta(seconds=FOREVER if keep_alive < 0 else keep_alive)
            return cold

    def _answer(self, prompt: str, fmt: Json) -> str:
        with self._lock:
            canned = next((text for sub, text in reversed(self._replies.items()) if sub in prompt), None)
        if canned is not None:
            return canned
        default = "Stand-in answer to: " + " ".join(prompt.split()[:8])
        if fmt == "json":
            return json.dumps({"response": default})
        if isinstance(fmt, dict):
            try:
                return json.dumps(SchemaInstance(fmt).of(fmt))
            except (KeyError, IndexError, TypeError, ValueError):  # a $ref to nowhere, a schema too deep
                raise ApiError(500, "invalid JSON schema in format") from None
        return default

    def _vector(self, text: str, model: str) -> list[float]:
        with self._lock:
            pinned = self._pins.get(text)
        return list(pinned) if pinned is not None else embedding(text, spec_for(model).dims)

    # endpoints

    def _root(self, body: Body) -> Reply:
        return Reply(200, "Ollama is running", content_type=TEXT_TYPE)

    def _version(self, body: Body) -> Reply:
        return Reply(200, {"version": VERSION})

    def _tags(self, body: Body) -> Reply:
        with self._lock:
            models = sorted(self._models.items(), key=lambda item: item[1], reverse=True)
        listed = [
            {"name": name, "model": name, "modified_at": _timestamp(modified.astimezone()),
             "size": spec_for(name).size, "digest": _digest(name), "details": _details(name)}
            for name, modified in models
        ]  # fmt: skip
        return Reply(200, {"models": listed})

    def _ps(self, body: Body) -> Reply:
        now = datetime.now(UTC)
        with self._lock:
            self._loaded = {name: until for name, until in self._loaded.items() if until > now}
            loaded = sorted(self._loaded.items(), key=lambda item: item[1], reverse=True)
        running = [
            {"name": name, "model": name, "size": spec_for(name).size, "digest": _digest(name),
             "details": _details(name), "expires_at": _timestamp(until.astimezone()),
             "size_vram": spec_for(name).size, "context_length": min(4096, spec_for(name).context_length)}
            for name, until in loaded
        ]  # fmt: skip
        return Reply(200, {"models": running})

    def _show(self, body: Body) -> Reply:
        name = body.text("model") or body.text("name")
        if not name:
            raise ApiError(400, "model is required")
        model = self._present(name)
        if model is None:
            raise ApiError(404, f"model '{name}' not found")
        with self._lock:
            modified = self._models.get(model, datetime.now(UTC))
        return Reply(200, _show_document(model, modified))

    def _pull(self, body: Body) -> Reply:
        name = body.text("model") or body.text("name")
        body.flag("insecure", False)
        if not name:
            raise ApiError(400, "invalid model name")
        records = self._pull_records(canonical(name))
        if body.flag("stream", True):
            return Reply(200, stream=records, content_type=NDJSON_TYPE)
        last: dict[str, Json] = {}
        for last in records:
            if "error" in last:
                return Reply(500, {"error": last["error"]})
        return Reply(200, last)

    def _pull_records(self, model: str) -> Iterator[dict[str, Json]]:
        yield {"status": "pulling manifest"}
        if model not in self.library:
            yield {"error": "pull model manifest: file does not exist"}
            return
        size = spec_for(model).size
        for layer, total in (("model", size - 8_000), ("template", 6_900), ("params", 1_100)):
            digest = "sha256:" + _digest(model, layer)
            yield {"status": f"pulling {digest[7:19]}", "digest": digest, "total": total}
            for share in (3, 2, 1):
                yield {"status": f"pulling {digest[7:19]}", "digest": digest, "total": total,
                       "completed": total // share}  # fmt: skip
        yield {"status": "verifying sha256 digest"}
        yield {"status": "writing manifest"}
        with self._lock:
            self._models[model] = datetime.now(UTC)
        yield {"status": "success"}

    def _generate(self, body: Body) -> Reply:
        name = body.text("model")
        model = self._present(name) if name else None
        if model is None:
            raise ApiError(404, f"model '{name}' not found")
        prompt, system, raw = body.text("prompt"), body.text("system"), body.flag("raw", False)
        keep_alive = keep_alive_seconds(body.data.get("keep_alive"))
        if not prompt and keep_alive == 0:
            self._use(model, 0)
            return Reply(200, {"model": name, "created_at": _now(), "response": "", "done": True,
                               "done_reason": "unload"})  # fmt: skip
        if raw and (system or body.text("template") or body.data.get("context")):
            raise ApiError(400, "raw mode does not support template, system, or context")
        if "completion" not in spec_for(model).capabilities:
            raise ApiError(400, f"{json.dumps(name)} does not support generate")
        cold = self._use(model, keep_alive)
        if not prompt:
            return Reply(200, {"model": name, "created_at": _now(), "response": "", "done": True,
                               "done_reason": "load"})  # fmt: skip
        fmt = body.data.get("format")
        text = self._answer(prompt, fmt)
        final: dict[str, Json] = {"model": name, "created_at": "", "response": "", "done": True, "done_reason": "stop"}
        if not raw:
            final["context"] = _token_ids(f"{system} {prompt} {text}")
        final |= _metrics(len(_tokens(f"{system} {prompt}")), len(_pieces(text)), cold=cold)
        chunks = ({"model": name, "created_at": "", "response": piece, "done": False} for piece in _pieces(text))
        return self._completion(body, fmt, chunks, final, {"response": text})

    def _chat(self, body: Body) -> Reply:
        name = body.text("model")
        if not name:
            raise ApiError(400, "model is required")
        model = self._present(name)
        if model is None:
            raise ApiError(404, f"model '{name}' not found")
        messages = self._messages(body)
        keep_alive = keep_alive_seconds(body.data.get("keep_alive"))
        body.get("tools", list, "[]api.Tool")
        if not messages and keep_alive == 0:
            self._use(model, 0)
            return Reply(200, _chat_record(name, "", done=True) | {"done_reason": "unload"})
        if "completion" not in spec_for(model).capabilities:
            raise ApiError(400, f"{json.dumps(name)} does not support chat")
        cold = self._use(model, keep_alive)
        if not messages:
            return Reply(200, _chat_record(name, "", done=True) | {"done_reason": "load"})
        question = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
        fmt = body.data.get("format")
        text = self._answer(str(question), fmt)
        prompt_tokens = sum(len(_tokens(str(m.get("content", "")))) + 4 for m in messages)
        final = _chat_record(name, "", done=True) | {"done_reason": "stop"}
        final |= _metrics(prompt_tokens, len(_pieces(text)), cold=cold)
        chunks = (_chat_record(name, piece, done=False) for piece in _pieces(text))
        return self._completion(body, fmt, chunks, final, {"message": {"role": "assistant", "content": text}})

    @staticmethod
    def _messages(body: Body) -> list[dict[str, Json]]:
        messages = body.get("messages", list, "[]api.Message", [])
        for message in messages:
            if not isinstance(message, dict):
                raise _unmarshal_error(message, "ChatRequest.messages", "api.Message")
            for key in ("role", "content"):
                if not isinstance(message.get(key, ""), str):
                    raise _unmarshal_error(message[key], f"Message.messages.{key}", "string")
        return list(messages)

    def _completion(
        self, body: Body, fmt: Json, chunks: Iterator[dict[str, Json]], final: dict[str, Json], whole: dict[str, Json]
    ) -> Reply:
        """Stream the chunks then the final record, or answer the final record holding the whole reply. A bad
        ``format`` fails inside the runner in Ollama: an error line in a stream, a 500 otherwise."""
        stream = body.flag("stream", True)
        if fmt not in (None, "", "json") and not isinstance(fmt, dict):
            raw_format = json.dumps(json.dumps(fmt))
            error = f'invalid format: {raw_format}; expected "json" or a valid JSON Schema object'
            if not stream:
                raise ApiError(500, error)
            return Reply(200, stream=iter([{"error": error}]), content_type=NDJSON_TYPE)
        if not stream:
            return Reply(200, _stamped(final | whole))
        records = (_stamped(record) for record in (*chunks, final))
        return Reply(200, stream=records, content_type=NDJSON_TYPE)

    def _embed(self, body: Body) -> Reply:
        name = body.text("model")
        given = body.data.get("input")
        if isinstance(given, list) and all(isinstance(item, str) for item in given):
            inputs = list(given)
        elif isinstance(given, str) or given is None:
            inputs = [given] if given else []
        else:
            raise ApiError(400, "invalid input type")
        model = self._present(name)
        if model is None:
            raise ApiError(404, f"model {json.dumps(name)} not found, try pulling it first")
        cold = self._use(model, keep_alive_seconds(body.data.get("keep_alive")))
        if not inputs:
            return Reply(200, {"model": name, "embeddings": []})
        limit = spec_for(model).context_length
        if not body.flag("truncate", True) and any(len(_tokens(text)) > limit for text in inputs):
            raise ApiError(400, "input exceeds maximum context length")
        dimensions = body.get("dimensions", int, "int", 0)
        vectors = [self._vector(text, model) for text in inputs]
        if dimensions > 0:
            vectors = [_normalised(vector[:dimensions]) for vector in vectors]
        count = sum(min(len(_tokens(text)), limit) for text in inputs)
        metrics = _metrics(count, 0, cold=cold)
        return Reply(200, {"model": name, "embeddings": vectors, "total_duration": metrics["total_duration"],
                           "load_duration": metrics["load_duration"], "prompt_eval_count": count})  # fmt: skip

    def _embeddings(self, body: Body) -> Reply:
        name = body.text("model")
        if not name:
            raise ApiError(400, "model is required")
        model = self._present(name)
        if model is None:
            raise ApiError(404, f"model {json.dumps(name)} not found, try pulling it first")
        self._use(model, keep_alive_seconds(body.data.get("keep_alive")))
        prompt = body.text("prompt")
        return Reply(200, {"embedding": self._vector(prompt, model) if prompt else []})


def _normalised(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(value * value for value in vector)) or 1.0
    return [value / norm for value in vector]


def _stamped(record: dict[str, Json]) -> dict[str, Json]:
    return record | {"created_at": _now()} if "created_at" in record else record


def _chat_record(name: str, content: str, *, done: bool) -> dict[str, Json]:
    return {"model": name, "created_at": _now(), "message": {"role": "assistant", "content": content}, "done": done}


def _parameter_count(size: str) -> int:
    return int(float(size[:-1]) * (1e9 if size.endswith("B") else 1e6))


def _show_document(model: str, modified: datetime) -> dict[str, Json]:
    spec = spec_for(model)
    arch = spec.family
    blob = _digest(model, "model")
    parameters = "\n".join(f'stop                           "{stop}"' for stop in spec.stops)
    modelfile = (
        f'# Modelfile generated by "ollama show"\n# To build a new Modelfile based on this one, replace the FROM '
        f"line with:\n# FROM {model}\n\nFROM /root/.ollama/models/blobs/sha256-{blob}\n"
        f'TEMPLATE """{spec.template}"""\n' + "".join(f'PARAMETER stop "{stop}"\n' for stop in spec.stops)
    )
    document: dict[str, Json] = {"modelfile": modelfile, "parameters": parameters, "template": spec.template}
    document["details"] = _details(model)
    document["model_info"] = {
        "general.architecture": arch,
        "general.file_type": 2 if spec.quantization == "Q4_0" else 1,
        "general.parameter_count": _parameter_count(spec.parameter_size),
        "general.quantization_version": 2,
        f"{arch}.context_length": spec.context_length,
        f"{arch}.embedding_length": spec.dims,
    }
    document["capabilities"] = list(spec.capabilities)
    document["modified_at"] = _timestamp(modified.astimezone())
    if not parameters:
        del document["parameters"]
    return document


_Endpoint = Callable[[OllamaStandIn, Body], Reply]
_ROUTES: dict[str, dict[str, tuple[_Endpoint, str]]] = {
    "/": {"GET": (OllamaStandIn._root, ""), "HEAD": (OllamaStandIn._root, "")},
    "/api/version": {"GET": (OllamaStandIn._version, ""), "HEAD": (OllamaStandIn._version, "")},
    "/api/tags": {"GET": (OllamaStandIn._tags, ""), "HEAD": (OllamaStandIn._tags, "")},
    "/api/ps": {"GET": (OllamaStandIn._ps, "")},
    "/api/show": {"POST": (OllamaStandIn._show, "ShowRequest")},
    "/api/pull": {"POST": (OllamaStandIn._pull, "PullRequest")},
    "/api/generate": {"POST": (OllamaStandIn._generate, "GenerateRequest")},
    "/api/chat": {"POST": (OllamaStandIn._chat, "ChatRequest")},
    "/api/embed": {"POST": (OllamaStandIn._embed, "EmbedRequest")},
    "/api/embeddings": {"POST": (OllamaStandIn._embeddings, "EmbeddingRequest")},
}


# --- HTTP ----------------------------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    """One listening period of the stand-in. It tracks its connections so ``down()`` can cut keep-alive clients
    off (else a pooled connection would still be served) and wake requests waiting out a delay."""

    def __init__(self, address: tuple[str, int], standin: OllamaStandIn) -> None:
        self.standin = standin
        self.closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Daemon threads, so a stand-in a test forgot to stop cannot hold the interpreter open, yet joined on close
        # (ThreadingMixIn joins only non-daemon ones), so none outlives the server.
        thread = threading.Thread(target=self.process_request_thread, args=(request, client_address), daemon=True)
        with self._connections_lock:
            self._workers = [worker for worker in self._workers if worker.is_alive()] + [thread]
        thread.start()

    def server_close(self) -> None:
        super().server_close()
        with self._connections_lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.join(timeout=10)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)
            if not self.closing.is_set():
                return
        _cut(connection)  # accepted just as the server went down

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a client that went away is no news
            super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        with self._connections_lock:
            self.closing.set()
            connections = list(self._connections)
        for connection in connections:
            _cut(connection)


def _cut(connection: socket.socket) -> None:
    with suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, JSON bodies with a length, NDJSON streams in chunked encoding flushed per line."""

    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection cannot hold a request thread forever
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer, which real Ollama (Go) never has.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        raw = self._read_body()
        reply = self.server.standin.handle(method, urlsplit(self.path).path, raw, self.server.closing.wait)
        if reply is None or self.server.closing.is_set():
            self.close_connection = True
            return
        try:
            if reply.stream is not None:
                self._send_stream(reply)
            else:
                self._send_whole(reply, head=method == "HEAD")
        except OSError:  # the client went away, or down() cut the connection
            self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_whole(self, reply: Reply, *, head: bool) -> None:
        data = reply.body.encode() if isinstance(reply.body, str) else go_json(reply.body)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _send_stream(self, reply: Reply) -> None:
        assert reply.stream is not None
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index, record in enumerate(reply.stream):
            delay = self.server.standin.chunk_delay
            if index and delay > 0 and self.server.closing.wait(delay):
                self.close_connection = True
                return
            line = go_json(record) + b"\n"
            self.wfile.write(b"%X\r\n%s\r\n" % (len(line), line))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def send_response(self, code: int, message: str | None = None) -> None:
        # Like Ollama (Go's net/http): a Date header and no Server header.
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.standin.quiet:
            super().log_message(format, *args)


# --- entry points --------------------------------------------------------------------------------------------------


@contextmanager
def ollama_standin(**options: Any) -> Iterator[OllamaStandIn]:
    """A started stand-in on a free port (see :class:`OllamaStandIn` for the options), stopped on exit."""
    with OllamaStandIn(**options) as server:
        yield server


@pytest.fixture
def ollama_server() -> Iterator[OllamaStandIn]:
    """A started stand-in Ollama with the default models present; ``ollama_server.url`` is its address."""
    with ollama_standin() as server:
        yield server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the stand-in Ollama until Ctrl-C.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated present models")
    parser.add_argument("--library", default=",".join(DEFAULT_LIBRARY), help="comma-separated pullable models")
    args = parser.parse_args(argv)
    server = OllamaStandIn(
        models=[m for m in args.models.split(",") if m], library=[m for m in args.library.split(",") if m],
        host=args.host, port=args.port,
    )  # fmt: skip
    server.quiet = False
    with server:
        print(f"stand-in Ollama {VERSION} on {server.url} with {', '.join(server.models) or 'no models'}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping")


if __name__ == "__main__":
    main()
