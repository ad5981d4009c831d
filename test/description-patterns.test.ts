// Every regular expression a request is checked with runs in time linear in the input: each `pattern`
// of the description and each format the validators use is analysed by recheck (a ReDoS checker that
// finds polynomial as well as exponential backtracking, statically: no timing). An 80 KB email once
// froze the mock for seconds on the old Email pattern; this test catches such a pattern before it ships.
import { check } from 'recheck';
import { fastFormats } from 'ajv-formats/dist/formats.js';
import { describe, expect, it } from 'vitest';
import { bundle } from './mock-process.js';

/** Every `pattern` of the description, with where it is. */
function patternsOf(node: unknown, at: string, found: [string, string][] = []): [string, string][] {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) patternsOf(item, `${at}/${index}`, found);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'examples' || key === 'example') continue;
      if (key === 'pattern' && typeof value === 'string') found.push([at, value]);
      else patternsOf(value, `${at}/${key}`, found);
    }
  }
  return found;
}

const patterns = [...new Map(patternsOf(bundle, '#').map(([at, pattern]) => [pattern, at])).entries()];

describe("the description's patterns", () => {
  it('are there to check (the description has patterns)', () => {
    expect(patterns.length).toBeGreaterThanOrEqual(8);
  });

  it.each(patterns)('%s is checked in linear time', async (pattern, at) => {
    const verdict = await check(pattern, 'u');
    expect({ at, status: verdict.status, complexity: verdict.status === 'safe' ? verdict.complexity.type : verdict.status }).toEqual({
      at,
      status: 'safe',
      complexity: expect.stringMatching(/^(safe|constant|linear)$/),
    });
  });

  it('the Email pattern accepts exactly what its quadratic former spelling did (every string of up to 8 characters that matter)', () => {
    const former = /^[^@\s]+@[^@\s]+\.[^@\s]+$/u;
    const current = new RegExp(bundle.components.schemas.Email.pattern, 'u');
    const alphabet = ['a', '.', '@', ' ', 'é'];
    const differ: string[] = [];
    for (let length = 0; length <= 8; length++) {
      for (let index = 0; index < alphabet.length ** length; index++) {
        let text = '';
        for (let rest = index, place = 0; place < length; place++, rest = Math.floor(rest / alphabet.length)) text += alphabet[rest % alphabet.length];
        if (former.test(text) !== current.test(text)) differ.push(text);
      }
    }
    expect(differ).toEqual([]);
  });

  it('the check finds the email pattern that froze the mock (quadratic)', async () => {
    const verdict = await check('^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$', 'u');
    expect(verdict.status).toBe('vulnerable');
    expect(verdict.status === 'vulnerable' && verdict.complexity.type).toBe('polynomial');
  });
});

/** Every `format` of the description. */
function formatsOf(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) formatsOf(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'examples' || key === 'example') continue;
      if (key === 'format' && typeof value === 'string') found.add(value);
      else formatsOf(value, found);
    }
  }
  return found;
}
// OpenAPI's formats the engine checks with a plain comparison (mocks/front/patterns.js), no expression.
const OWN_FORMATS = new Set(['int32', 'int64', 'password']);

describe('the formats the description uses', () => {
  it.each([...formatsOf(bundle)].filter((name) => !OWN_FORMATS.has(name)))('%s is checked with an expression that runs in linear time', async (name) => {
    const format = (fastFormats as Record<string, unknown>)[name];
    expect(format, `${name} is not an expression of ajv-formats' fast mode`).toBeInstanceOf(RegExp);
    const verdict = await check((format as RegExp).source, (format as RegExp).flags);
    expect(verdict.status, name).toBe('safe');
  });
});
