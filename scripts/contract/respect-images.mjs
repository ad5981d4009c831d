// Preloaded (`node --import`) into the `redocly respect` process by run.mjs. The Arazzo workflows
// read their images from environment variables (`$inputs.env.VLENS_IMAGE_*`), but a real photo's
// base64 is larger than the 128 KiB the kernel allows for one environment string, so run.mjs passes
// the file path as VLENS_IMAGE_<NAME>_FILE and this sets VLENS_IMAGE_<NAME> inside the process.
import { readFileSync } from 'node:fs';

for (const [name, path] of Object.entries(process.env)) {
  const match = /^(VLENS_IMAGE_[A-Z0-9_]+)_FILE$/.exec(name);
  if (match && path) process.env[match[1]] = readFileSync(path).toString('base64');
}
