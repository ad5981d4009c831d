#!/usr/bin/env node
// Proposes a proxy recording (`vlens-mock proxy --record`) as a named example of the description, for
// its author to review: it prints the YAML to add and where, or (--patch FILE) writes a patch that
// `git apply FILE` adds. It never changes openapi/ itself. The recording is already redacted (images
// replaced by stand-ins, personal data and secrets masked): the example carries nothing real.
//
//   node scripts/propose-example.mjs RECORDING.json [--name NAME] [--summary TEXT] [--patch FILE]
//
// Exit 0 with the proposal; 1 when the recording cannot be one (not a recording, an operation or a
// status the description lacks, an answer the proxy found breaking the description: propose the schema
// change from the report first); 2 on a usage error.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMap, parseDocument, stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OPENAPI = join(ROOT, 'openapi');
const EXAMPLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** @param {string} message @param {number} [code] @returns {never} */
function fail(message, code = 1) {
  process.stderr.write(`propose-example: ${message}\n`);
  process.exit(code);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { name: { type: 'string' }, summary: { type: 'string' }, patch: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    return fail(error.message, 2);
  }
})();
if (values.help || positionals.length !== 1) {
  process.stdout.write('Usage: node scripts/propose-example.mjs RECORDING.json [--name NAME] [--summary TEXT] [--patch FILE]\n');
  process.exit(values.help ? 0 : 2);
}

const file = /** @type {string} */ (positionals[0]);
let recording;
try {
  recording = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  fail(`${file} is not a readable JSON file (${error.code ?? error.message})`);
}
if (recording?.vlensRecording !== 1) fail(`${file} is not a recording of vlens-mock proxy --record`);
const broken = (recording.verdict?.violations ?? []).filter((found) => found.in === 'response');
if (broken.length > 0) {
  fail(
    `the recorded answer breaks the description (${broken.map((found) => `${found.rule} at ${found.pointer || '/'}`).join(', ')}): an example must match its schema, so change the schema first (the proxy's report suggests how)`,
  );
}
const status = String(recording.response?.status);
const method = String(recording.method ?? '').toLowerCase();
const name =
  values.name ??
  `recorded${
    basename(file, '.json')
      .replace(/^rec-0*/, '')
      .split('-')[0] ?? ''
  }`;
if (!EXAMPLE_NAME.test(name)) fail(`an example name is a letter then letters, digits, - or _ (64 at most), got "${name}"`, 2);

// The path item file of the recorded path (paths are matched as the service routes them: any case).
const root = parseDocument(readFileSync(join(OPENAPI, 'openapi.yaml'), 'utf8')).toJS();
const pathKey = Object.keys(root.paths ?? {}).find((candidate) => candidate.toLowerCase() === String(recording.path).toLowerCase());
if (!pathKey) fail(`the description has no path ${recording.path}`);
let target = join(OPENAPI, root.paths[pathKey].$ref);
let document = parseDocument(readFileSync(target, 'utf8'));
let at = [method, 'responses', status];
const response = document.getIn(at, true);
if (!response) fail(`${recording.operationId} declares no ${status} answer: add the status first`);
const reference = isMap(response) ? response.get('$ref') : undefined;
if (typeof reference === 'string') {
  // A shared response (components/responses/*.yaml): its examples are every operation's.
  target = join(target, '..', reference);
  document = parseDocument(readFileSync(target, 'utf8'));
  at = [];
}
const mediaPath = [...at, 'content', 'application/json'];
if (!document.getIn(mediaPath, true)) fail(`the ${status} answer of ${recording.operationId} has no application/json content`);
if (document.hasIn([...mediaPath, 'examples', name])) fail(`an example named ${name} is already there: pick another with --name`, 2);

const summary = values.summary ?? `Seen through the proxy on ${String(recording.recordedAt ?? '').slice(0, 10) || 'an unknown date'} (${basename(file)}, redacted)`;
const example = { [name]: { summary, value: recording.response.body } };
const text = readFileSync(target, 'utf8');
const examples = document.getIn([...mediaPath, 'examples'], true);
const media = document.getIn(mediaPath, true);
const lineStart = (/** @type {number} */ offset) => text.lastIndexOf('\n', offset - 1) + 1;
const lineAfter = (/** @type {number} */ offset) => {
  const end = text.indexOf('\n', offset);
  return end === -1 ? text.length : end + 1;
};
let insertAt;
let block;
if (isMap(examples) && examples.items.length > 0) {
  const firstKey = /** @type {any} */ (examples.items[0]).key;
  const indent = firstKey.range[0] - lineStart(firstKey.range[0]);
  insertAt = lineAfter(/** @type {[number, number, number]} */ (examples.range)[1] - 1);
  block = indent_(stringify(example, { lineWidth: 0 }), indent);
} else {
  const firstKey = /** @type {any} */ (media).items[0].key;
  const indent = firstKey.range[0] - lineStart(firstKey.range[0]);
  insertAt = lineAfter(/** @type {[number, number, number]} */ (media.range)[1] - 1);
  block = indent_(stringify({ examples: example }, { lineWidth: 0 }), indent);
}
const proposed = `${text.slice(0, insertAt)}${text.length > 0 && !text.slice(0, insertAt).endsWith('\n') ? '\n' : ''}${block}${text.slice(insertAt)}`;
// The proposal must parse and hold the example where it was meant to go.
const check = parseDocument(proposed);
if (check.errors.length > 0 || check.getIn([...mediaPath, 'examples', name, 'summary']) !== summary)
  fail('could not place the example in the file (its layout is unexpected): add the YAML below by hand');

const where = relative(ROOT, target);
const pointer = [...mediaPath, 'examples'].join(' > ');
if (values.patch) {
  const scratch = mkdtempSync(join(tmpdir(), 'propose-example-'));
  try {
    writeFileSync(join(scratch, 'proposed.yaml'), proposed);
    let patch = '';
    try {
      execFileSync('diff', ['-u', '--label', `a/${where}`, '--label', `b/${where}`, target, join(scratch, 'proposed.yaml')], { encoding: 'utf8' });
    } catch (error) {
      // diff exits 1 when the files differ: the patch is its output.
      if (error.status !== 1) throw error;
      patch = error.stdout;
    }
    writeFileSync(values.patch, patch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  process.stdout.write(
    `Wrote ${values.patch}: the example ${name} for ${recording.operationId} ${status}, in ${where}. Review it, then: git apply ${values.patch} && npm run generate\n`,
  );
} else {
  process.stdout.write(`# ${where}, under ${pointer}:\n${block}`);
}

/**
 * @param {string} yaml
 * @param {number} spaces
 */
function indent_(yaml, spaces) {
  return yaml
    .split('\n')
    .map((line) => (line === '' ? line : `${' '.repeat(spaces)}${line}`))
    .join('\n');
}
