// Entry of the single executable (bundled by scripts/build/mock-bundle.mjs): the `vlens-mock` CLI
// with Prism's modules and the bundled description built in, where `node mocks/cli.js` finds them on
// disk. The `prism:` specifiers resolve from inside Prism's own install, as mocks/node/prism.js does.
// Prism is required inside a function: the bundle loads it the first time an answer is generated
// from the schema (1 s or more), not at start, as the Node mock does.
import { version } from 'prism:cli/package.json';
import descriptionText from '../../generated/openapi.yaml';
import { main } from '../../mocks/node/main.js';
import manifest from '../../package.json';

main(process.argv.slice(2), {
  prism: () => ({
    version,
    http: require('prism:cli/@stoplight/prism-http'),
    core: require('prism:cli/@stoplight/prism-core'),
    either: require('prism:http/fp-ts/Either'),
  }),
  prismVersion: version,
  packageVersion: manifest.version,
  descriptionText,
});
