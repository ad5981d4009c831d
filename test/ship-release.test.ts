// `npm run release`: every artifact of a version in one folder, checked as whoever downloads a GitHub
// release would check it (`sha256sum -c SHA256SUMS`, the SBOM against CycloneDX's schema), and built
// twice from the same inputs (same SOURCE_DATE_EPOCH) to show which bytes are reproducible. What the
// artifacts do when run is tested by ship-mock (executables, image), ship-postman and
// package-consumer (tarball); here the release folder itself.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Enums, type Serialize, Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_VERSIONS } from '../scripts/ensure-node.mjs';
import type { Descriptor } from '../scripts/build/image.mjs';
import { hasPodman } from '../scripts/build/podman.mjs';
import { buildPostman } from '../scripts/build/postman.mjs';
import { ARTIFACTS, SUMS_FILE, release } from '../scripts/release/index.mjs';
import { INSTALL_SCRIPTS } from '../scripts/release/tarball.mjs';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const { name: PACKAGE, version: VERSION } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'vlens-release-test-'));
const first = join(work, 'first');
const second = join(work, 'second');
// A fixed time, not the last commit's: the test must not depend on the working tree's history.
const EPOCH = 1_767_225_600;
let manifest: Awaited<ReturnType<typeof release>>;
let again: Awaited<ReturnType<typeof release>>;

beforeAll(async () => {
  // One after the other: each build uses both cores.
  manifest = await release({ out: first, epoch: EPOCH, skipImage: !hasPodman(), log: () => {} });
  again = await release({ out: second, epoch: EPOCH, skipImage: !hasPodman(), log: () => {} });
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sums = (dir: string) =>
  Object.fromEntries(
    readFileSync(join(dir, SUMS_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('  ').reverse()),
  );

describe('npm run release', () => {
  it('puts every artifact into one folder, and SHA256SUMS covers each of them', async () => {
    const expected = [
      ARTIFACTS.tarball,
      ...Object.values(ARTIFACTS.binaries),
      ARTIFACTS.licences,
      ...(hasPodman() ? [ARTIFACTS.image] : []),
      ARTIFACTS.collection,
      ARTIFACTS.environment,
      ARTIFACTS.docs,
      ARTIFACTS.sbom,
    ];
    expect(readdirSync(first).sort()).toEqual([...expected, SUMS_FILE].sort());
    expect(Object.keys(sums(first)).sort()).toEqual([...expected].sort());
    const { stdout } = await run('sha256sum', ['--check', '--strict', SUMS_FILE], { cwd: first });
    expect(stdout.trim().split('\n')).toEqual([...expected].sort().map((name) => `${name}: OK`));
  });

  it('SHA256SUMS catches a changed artifact', async () => {
    const copy = join(work, 'tampered');
    rmSync(copy, { recursive: true, force: true });
    await run('cp', ['-r', first, copy]);
    const environment = join(copy, ARTIFACTS.environment);
    writeFileSync(environment, readFileSync(environment, 'utf8').replace('http://127.0.0.1:4010', 'http://127.0.0.1:4011'));
    const result = await run('sha256sum', ['--check', '--quiet', SUMS_FILE], { cwd: copy }).catch((error) => error);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${ARTIFACTS.environment}: FAILED\n`);
  });

  it('is reproducible: a second build from the same inputs and SOURCE_DATE_EPOCH gives the same bytes, every file', () => {
    expect(sums(second)).toEqual(sums(first));
    expect(again.image?.digest).toBe(manifest.image?.digest);
  });

  it('holds the npm tarball with no install script in its manifest', async () => {
    const packed = JSON.parse((await run('tar', ['-xOzf', join(first, ARTIFACTS.tarball), 'package/package.json'])).stdout);
    expect([packed.name, packed.version]).toEqual([PACKAGE, VERSION]);
    expect(Object.keys(packed.scripts).filter((name) => INSTALL_SCRIPTS.includes(name))).toEqual([]);
    const { stdout } = await run('tar', ['-tzf', join(first, ARTIFACTS.tarball)]);
    expect(stdout.split('\n')).toEqual(expect.arrayContaining(['package/dist/src/index.js', 'package/mocks/cli.js', 'package/generated/openapi.yaml']));
  });

  it('holds the executables for x64 and arm64 (ELF machine 0x3e and 0xb7)', () => {
    for (const [arch, machine] of [
      ['x64', 0x3e],
      ['arm64', 0xb7],
    ] as const) {
      const header = readFileSync(join(first, ARTIFACTS.binaries[arch])).subarray(0, 20);
      expect([header.subarray(0, 4).toString('latin1'), header.readUInt16LE(18)], arch).toEqual(['\x7fELF', machine]);
    }
  });

  it.skipIf(!hasPodman())('holds the image index for linux/amd64 and linux/arm64, the digests release.json gives', async () => {
    const archive = join(first, ARTIFACTS.image);
    const index: { manifests: Descriptor[] } = JSON.parse((await run('tar', ['-xOf', archive, 'index.json'])).stdout);
    expect(index.manifests.map((entry) => entry.digest)).toEqual([manifest.image!.digest]);
    const list: { manifests: Descriptor[] } = JSON.parse((await run('tar', ['-xOf', archive, `blobs/${manifest.image!.digest.replace(':', '/')}`])).stdout);
    expect(list.manifests.map((entry) => [`${entry.platform?.os}/${entry.platform?.architecture}`, entry.digest])).toEqual(
      manifest.image!.platforms.map((entry) => [entry.platform, entry.digest]),
    );
  });

  it('holds the Postman collection and environment `npm run postman` makes', async () => {
    const { collection, environment } = await buildPostman();
    expect(JSON.parse(readFileSync(join(first, ARTIFACTS.collection), 'utf8'))).toEqual(collection);
    expect(JSON.parse(readFileSync(join(first, ARTIFACTS.environment), 'utf8'))).toEqual(environment);
  });

  it('holds the docs portal as an archive: docs/index.html and docs/sandbox.html, self-contained', async () => {
    const archive = join(first, ARTIFACTS.docs);
    expect((await run('tar', ['-tzf', archive])).stdout.trim().split('\n')).toEqual(['docs/', 'docs/index.html', 'docs/sandbox.html']);
    const page = (await run('tar', ['-xOzf', archive, 'docs/index.html'], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    expect(page).toContain('<title>Vlens Digital Identity API');
    expect(page).toContain('href="sandbox.html"');
  });

  it('holds a CycloneDX 1.6 SBOM, valid by its schema, of what the executables and the image contain', async () => {
    const text = readFileSync(join(first, ARTIFACTS.sbom), 'utf8');
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text)).toBeNull();
    const bom: Serialize.JSON.Types.Normalized.Bom = JSON.parse(text);
    const components = bom.components ?? [];
    const purls = components.flatMap((component) => component.purl ?? []);
    // Every package THIRD-PARTY-LICENSES.txt names (the bundle's), by name and version.
    const licensed = [...readFileSync(join(first, ARTIFACTS.licences), 'utf8').matchAll(/^\n?(@?[^\s@]+(?:\/[^\s@]+)?)@(\d[^\s]*) \(/gm)].map((match) => `${match[1]}@${match[2]}`);
    expect(licensed.length).toBeGreaterThan(50);
    const npmComponents = components
      .filter((component) => component.purl?.startsWith('pkg:npm/') && component.type === Enums.ComponentType.Library)
      .map((component) => `${component.name}@${component.version}`);
    expect(npmComponents.sort()).toEqual([...new Set(licensed)].sort());
    for (const arch of ['x64', 'arm64']) expect(purls).toContain(`pkg:npm/node-linux-${arch}@${NODE_VERSIONS[26]}`);
    if (hasPodman()) {
      for (const arch of ['amd64', 'arm64']) expect(purls.filter((purl) => purl.startsWith('pkg:deb/debian/libc6@') && purl.endsWith(`?arch=${arch}`))).toHaveLength(1);
    }
    // The file components' hashes are the release's.
    const files = Object.fromEntries(
      components.filter((component) => component.type === Enums.ComponentType.File).map((component) => [component.name, component.hashes?.[0]?.content]),
    );
    expect(Object.keys(files).sort()).toEqual([...Object.values(ARTIFACTS.binaries), ...(hasPodman() ? [ARTIFACTS.image] : [])].sort());
    for (const [name, hash] of Object.entries(files)) expect(hash, name).toBe(sums(first)[name]);
    expect(bom.metadata?.timestamp).toBe(new Date(EPOCH * 1000).toISOString());
  });
});
