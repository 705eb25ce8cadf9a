# A persistent python3 tool worker for the noetl-loadrun sandbox.
# Reads one JSON request per line on stdin: {"id", "code", "input", "libs"}; writes one JSON reply per line
# on stdout: {"id", "ok": true, "result"} or {"id", "ok": false, "error"}. `input` names are bound as
# variables, `libs` maps aliases to imported modules, and the code sets `result`.
import importlib
import json
import sys
import traceback

_compiled = {}


def _run(req):
    code = req.get("code") or ""
    fn = _compiled.get(code)
    if fn is None:
        fn = compile(code, "<python tool>", "exec")
        if len(_compiled) > 256:
            _compiled.clear()
        _compiled[code] = fn
    scope = {"__builtins__": __builtins__, "__name__": "__noetl_tool__"}
    for alias, module in (req.get("libs") or {}).items():
        scope[alias] = importlib.import_module(str(module))
    scope.update(req.get("input") or {})
    scope["result"] = None
    exec(fn, scope)
    return scope.get("result")


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
            reply = {"id": req_id, "ok": True, "result": _run(req)}
            text = json.dumps(reply, default=str, separators=(",", ":"))
        except Exception as exc:  # a tool error fails the step with its message, not the worker
            last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
            where = f" (line {last[0].lineno})" if last and last[0].filename == "<python tool>" else ""
            text = json.dumps({"id": req_id, "ok": False, "error": f"{type(exc).__name__}: {exc}{where}"})
        out.write(text + "\n")
        out.flush()


if __name__ == "__main__":
    main()
