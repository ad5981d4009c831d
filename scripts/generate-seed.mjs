#!/usr/bin/env node
// The example seed, mocks/seeds/example.json, is made from the control API description's named example
// `KnownUsers` (openapi/sandbox/openapi.yaml, components.examples): three known users under the ApiKey
// `example-seed`, so `vlens-mock --seed-file mocks/seeds/example.json` starts with them. Called by
// `npm run generate`, or run alone; test/state-seed.test.ts regenerates in memory and compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { ROOT } from './lib/description.mjs';

export const SEED_PATH = 'mocks/seeds/example.json';
export const SEED_API_KEY = 'example-seed';
const CONTROL_API_PATH = `${ROOT}openapi/sandbox/openapi.yaml`;

/** The example seed, path relative to the repository root -> content. Writes nothing. */
export function generateSeedFiles() {
  const example = parse(readFileSync(CONTROL_API_PATH, 'utf8')).components.examples.KnownUsers;
  const seed = {
    format: 'vlens-sandbox-seed',
    version: 1,
    description: `${example.summary}. Made by scripts/generate-seed.mjs from the example KnownUsers of openapi/sandbox/openapi.yaml; the passwords and images are test values.`,
    tenants: { [SEED_API_KEY]: example.value },
  };
  return { [SEED_PATH]: `${JSON.stringify(seed, null, 2)}\n` };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [path, content] of Object.entries(generateSeedFiles())) {
    writeFileSync(`${ROOT}${path}`, content);
    console.log(`wrote ${path}`);
  }
}
