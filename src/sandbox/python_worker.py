# A persistent python3 tool worker for the noetl-loadrun sandbox.
# Reads one JSON request per line on stdin: {"id", "code", "input", "libs"}; writes one JSON reply per line
# on stdout: {"id", "ok": true, "result", "stdout"} or {"id", "ok": false, "error"}. `input` names are bound
# as variables (under "rust" also as the dict `input_data`, and `args`), `libs` aliases imported. The request's
# `entry` says whose rules the code runs under (src/sandbox/semantics.ts pythonEntry): "rust" (noetl/tools
# src/tools/python.rs): the `result` global, else a top-level `return` (the code run as a function body),
# else a `main()` (async too) called with the inputs it names; "legacy" (noetl 4.26.0): the code exec'd as it
# is, and a `main()`, when defined, called over whatever `result` says. What the code prints is captured and
# returned beside the result, never written to the reply channel.
import asyncio
import datetime
import importlib
import inspect
import io
import json
import os
import sys
import traceback
import uuid

_compiled = {}
_WRAPPED = "__loadrun_step__"


def _has_top_level_return(code):
    """A `return` on an unindented line before any unindented def/class (python.rs wrap_top_level_return)."""
    for line in code.splitlines():
        if not line or line[0] in " \t":
            continue
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(("def ", "async def ", "class ")):
            return False
        if text == "return" or text.startswith("return "):
            return True
    return False


def _source(code, entry):
    if entry != "rust" or not _has_top_level_return(code):
        return code
    body = "\n".join("    " + line for line in code.splitlines())
    return f"def {_WRAPPED}(args, input_data):\n{body}\n\nresult = {_WRAPPED}(args, input_data)\n"


def _call_main(main, args):
    params = inspect.signature(main).parameters.values()
    kwargs = {p.name: args[p.name] for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name in args}
    if any(p.kind == p.VAR_KEYWORD for p in params):
        for key, value in args.items():
            kwargs.setdefault(key, value)
    out = main(**kwargs)
    return asyncio.run(out) if inspect.iscoroutine(out) else out


def _run(req):
    code = req.get("code") or ""
    entry = req.get("entry") or "rust"
    fn = _compiled.get((entry, code))
    if fn is None:
        fn = compile(_source(code, entry), "<python tool>", "exec")
        if len(_compiled) > 256:
            _compiled.clear()
        _compiled[(entry, code)] = fn
    scope = {"__builtins__": __builtins__, "__name__": "__noetl_tool__"}
    for alias, module in (req.get("libs") or {}).items():
        scope[alias] = importlib.import_module(str(module))
    args = dict(req.get("input") or {})
    context = {"args": args, "variables": {}, "execution_id": req.get("execution_id"), "step": req.get("step")}
    if entry == "rust":
        # The wrapper's own globals (the request it read), then the inputs by name over them.
        scope.update(context, context=context)
        scope["input_data"] = dict(args)
    else:
        # noetl 4.26.0's globals (noetl/tools/python/executor.py 589-602, 651-675): a few modules, the
        # context, the inputs by name; no `input_data` nor `args` (code that reads them fails there).
        scope.update(context=context, os=os, json=json, datetime=datetime, uuid=uuid)
    scope.update(args)
    scope["result"] = None
    printed = io.StringIO()
    real_stdout = sys.stdout
    sys.stdout = printed
    try:
        exec(fn, scope)
        if callable(scope.get("main")) and (entry != "rust" or scope.get("result") is None):
            scope["result"] = _call_main(scope["main"], args)
    finally:
        sys.stdout = real_stdout
    return scope.get("result"), printed.getvalue()


def main():
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req_id = None
        try:
            req = json.loads(line)
            req_id = req.get("id")
            result, printed = _run(req)
            reply = {"id": req_id, "ok": True, "result": result, "stdout": printed}
            text = json.dumps(reply, default=str, separators=(",", ":"))
        except Exception as exc:  # a tool error fails the step with its message, not the worker
            last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
            where = f" (line {last[0].lineno})" if last and last[0].filename == "<python tool>" else ""
            text = json.dumps({"id": req_id, "ok": False, "error": f"{type(exc).__name__}: {exc}{where}"})
        out.write(text + "\n")
        out.flush()


if __name__ == "__main__":
    main()
