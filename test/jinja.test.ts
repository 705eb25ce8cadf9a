// Templates evaluate as Jinja2 does (issue 12): both NoETL engines render with Jinja semantics (noetl/noetl
// noetl/core/dsl/render.py; the Rust worker's minijinja), and nunjucks alone gets these wrong.
import { describe, expect, it } from 'vitest';
import { jinjaPatchMismatch, jinjaPatchOff, pyRepr } from '../src/sandbox/jinja.js';
import { renderString } from '../src/sandbox/templates.js';

const ctx = { flag: true, d: { a: 1, b: 'x' }, n: 7, s: ' Hi ', none: null, items: [1, 2] };

describe('Jinja semantics', () => {
  it.each([
    ['{{ True }}', true],
    ['x={{ True }}, y={{ False }}, z={{ None }}', 'x=True, y=False, z=None'],
    ['{{ flag == True }}', true],
    ['{{ "yes" if flag == True else "no" }}', 'yes'],
    ['{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}', 'a=1;b=x;'],
    ['{{ d.keys() | list | length }}', 2],
    ['{{ d.get("zz", 5) }}', 5],
    ['{{ "%05d" % 7 }}', '00007'],
    ['{{ "%s-%s" % (1, "b") }}', '1-b'],
    ['{{ "%.2f" % 3.14159 }}', '3.14'],
    ['{{ 7 % 3 }}', 1],
    ['{{ -7 % 3 }}', 2],
    ['{{ d | tojson }}', '{"a":1,"b":"x"}'],
    ['{{ "<a & \'b\'>" | tojson }}', '"\\u003ca \\u0026 \\u0027b\\u0027\\u003e"'],
    ['v={{ none }}', 'v=None'],
    ['v={{ missing }}', 'v='],
    ['v={{ d }}', "v={'a': 1, 'b': 'x'}"],
    ['v={{ items }}', 'v=[1, 2]'],
    ['{{ s.strip().upper() }}', 'HI'],
    ['{{ "a,b".split(",") | length }}', 2],
    ['{{ (missing | string | lower) == "true" }}', false],
    ['{{ (flag | string | lower) == "true" }}', true],
    ['{{- n -}}', 7],
    ['{{ missing | default("d") }}', 'd'],
  ])('%s', (template, want) => {
    expect(renderString(template, ctx)).toEqual(want);
  });

  it('prints nested values as Python reprs', () => {
    expect(pyRepr({ k: [true, null, "it's"] })).toBe("{'k': [True, None, 'it\\'s']}");
  });
});

describe('the patch of nunjucks', () => {
  it('applies on the pinned nunjucks only, and says why it is off on another', () => {
    expect(jinjaPatchMismatch('3.2.4')).toBeUndefined();
    expect(jinjaPatchOff()).toBeUndefined(); // this install: on
    expect(jinjaPatchMismatch('3.3.0')).toMatch(/^nunjucks 3\.3\.0 is not the version its patch was proven on/);
    expect(jinjaPatchMismatch(undefined)).toMatch(/nunjucks not found/);
  });
});
