// Entry of the single executable (bundled by scripts/build/mock-bundle.mjs): the `vlens-mock` CLI
// with Prism's modules and the bundled description built in, where `node mocks/cli.js` finds them on
// disk. The `prism:` specifiers resolve from inside Prism's own install, as mocks/node/prism.js does.
import { version } from 'prism:cli/package.json';
import * as http from 'prism:cli/@stoplight/prism-http';
import * as core from 'prism:cli/@stoplight/prism-core';
import * as either from 'prism:http/fp-ts/Either';
import descriptionText from '../../generated/openapi.yaml';
import { main } from '../../mocks/node/main.js';

main(process.argv.slice(2), {
  prism: () => ({ version, http, core, either }),
  descriptionText,
});
