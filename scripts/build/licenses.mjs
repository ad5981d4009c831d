// The licence notice shipped with the single executable: this project's licence, Node's (the runtime
// inside the binary, with the licences of everything Node itself bundles), and the licence of every
// npm package esbuild put into the bundle, taken from the bundle's metafile so that nothing bundled is
// left out and nothing unbundled is listed.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** @import { Metafile } from 'esbuild' */

/**
 * The package.json fields the notice reads. `licenses` is the form npm deprecated (an array of
 * `{ type, url }`), which some old packages still ship.
 * @typedef {{ name: string, version: string, license?: string | { type?: string }, licenses?: { type: string }[], author?: string | { name?: string } }} PackageManifest
 */

/**
 * An npm package esbuild bundled: `license` as its package.json declares it ('UNKNOWN' when it
 * declares none), `texts` its licence files' contents, `dir` its folder relative to the root.
 * @typedef {{ name: string, version: string, license: string, author: string | undefined, texts: string[], dir: string }} BundledPackage
 */

const LICENCE_FILE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;

/**
 * The package folder an input file belongs to: the path up to its last node_modules/<name>.
 * @param {string} path
 * @returns {string | null} null for a file outside node_modules
 */
function packageDir(path) {
  const parts = path.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return null;
  const length = parts[at + 1]?.startsWith('@') ? at + 3 : at + 2;
  return parts.slice(0, length).join(sep);
}

/**
 * @param {string} dir a package's folder
 * @returns {string[]} its licence files' texts, by file name
 */
function licenceTexts(dir) {
  return readdirSync(dir)
    .filter((name) => LICENCE_FILE.test(name))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8').trim());
}

/**
 * Every npm package in the bundle: `{ name, version, license, texts }`, sorted by name and version.
 * @param {Metafile} metafile esbuild's, of the bundle
 * @param {string} root the folder esbuild ran in (its absWorkingDir), which the input paths are relative to
 * @returns {BundledPackage[]}
 */
export function bundledPackages(metafile, root) {
  /** @type {Set<string>} */
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const dir = packageDir(join(root, input.replace(/^[\w-]+:/, '')));
    if (dir) dirs.add(dir);
  }
  /** @type {Map<string, BundledPackage>} */
  const packages = new Map();
  for (const dir of dirs) {
    /** @type {PackageManifest} */
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const license = typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? manifest.licenses?.map((entry) => entry.type).join(' OR ') ?? 'UNKNOWN');
    const author = typeof manifest.author === 'string' ? manifest.author : manifest.author?.name;
    packages.set(`${manifest.name}@${manifest.version}`, { name: manifest.name, version: manifest.version, license, author, texts: licenceTexts(dir), dir: relative(root, dir) });
  }
  return [...packages.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

/**
 * The notice text. `projectLicence`: this project's LICENSE text; `nodeDir`: the folder of the Node
 * package whose binary the executable is made from (its LICENSE covers Node and what Node bundles).
 * @param {{ metafile: Metafile, root: string, projectLicence: string, nodeDir: string, nodeVersion: string }} inputs
 * @returns {string}
 */
export function licenceNotice({ metafile, root, projectLicence, nodeDir, nodeVersion }) {
  const packages = bundledPackages(metafile, root);
  const rule = '-'.repeat(78);
  const sections = [
    `vlens-mock: the Vlens Digital Identity mock as a single executable.\n\nIt holds this project's code (MIT), Node.js ${nodeVersion} (the runtime), and ${packages.length} npm packages bundled by esbuild. Their licences follow.`,
    `vlens-digital-identity\n\n${projectLicence.trim()}`,
    `Node.js ${nodeVersion}\n\n${readFileSync(join(nodeDir, 'LICENSE'), 'utf8').trim()}`,
    ...packages.map(({ name, version, license, author, texts }) =>
      [
        `${name}@${version} (${license})`,
        ...(texts.length ? texts : [`The package ships no licence file; its package.json declares ${license}${author ? `, author ${author}` : ''}.`]),
      ].join('\n\n'),
    ),
  ];
  return `${sections.join(`\n\n${rule}\n\n`)}\n`;
}
