"""Renders chat templates with Python's jinja2 configured as transformers' apply_chat_template configures it
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, tojson with ensure_ascii=False,
raise_exception, strftime_now at 2026-11-22 12:00:00). Reads a JSON list of jobs, writes a JSON list of
{"text"} or {"error"}. Used by src/jinja2-differential.test.ts when python3 and jinja2 are installed."""
import json
import sys
from datetime import datetime

from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = lambda fmt: datetime(2026, 11, 22, 12, 0, 0).strftime(fmt)

results = []
for job in json.load(open(sys.argv[1], encoding="utf-8")):
    try:
        variables = dict(job["variables"])
        results.append({"text": env.from_string(job["template"]).render(**variables)})
    except Exception as e:  # noqa: BLE001 - any failure is compared by name
        results.append({"error": type(e).__name__ + ": " + str(e)})
json.dump(results, open(sys.argv[2], "w", encoding="utf-8"))
