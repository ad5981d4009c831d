// Entry of the single executable (bundled by scripts/build/mock-bundle.mjs): the `vlens-mock` CLI
// with Prism's modules and the bundled description built in, where `node mocks/cli.js` finds them on
// disk. The `prism:` specifiers resolve from inside Prism's own install, as mocks/prism.js does.
// Prism is imported only when the mock is to serve: `vlens-mock health`, which a container's
// HEALTHCHECK runs every few seconds, then starts in a fraction of the time and memory (esbuild
// evaluates a bundled module on its first import).
import descriptionText from '../../generated/openapi.yaml';
import { main } from '../../mocks/main.js';

async function loadPrism() {
  const [{ version }, http, core, either, yaml, { default: parsePrefer }, { default: Ajv2020 }, { default: addFormats }] = await Promise.all([
    import('prism:cli/package.json'),
    import('prism:cli/@stoplight/prism-http'),
    import('prism:cli/@stoplight/prism-core'),
    import('prism:http/fp-ts/Either'),
    import('prism:http/@stoplight/yaml'),
    import('prism:http-server/parse-prefer-header'),
    import('prism:http/ajv/dist/2020'),
    import('prism:http/ajv-formats'),
  ]);
  return { version, http, core, either, yaml, parsePrefer, Ajv2020, addFormats };
}

const argv = process.argv.slice(2);
if (argv[0] === 'health') {
  main(argv);
} else {
  loadPrism().then(
    (prism) => main(argv, { prism, descriptionText }),
    (error) => {
      process.stderr.write(`vlens-mock: ${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
