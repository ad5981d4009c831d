// The mobile recipe of docs/mobile.md, each step run as a phone team would: HTTPS with a certificate
// of one's own (--tls-cert/--tls-key) and with a local CA (--tls self-signed) whose certificate a
// client that trusts the CA accepts, for the names and addresses the sandbox is reached by, with the
// fingerprint the banner prints; the sandbox on the LAN (--host 0.0.0.0, reached at this machine's
// non-loopback address); and the Android emulator's 10.0.2.2, from a network namespace standing for
// the emulator (its guest address 10.0.2.15), where the machine lets a test make one.
import { execFileSync, spawnSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli, type Running } from './proxy-helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'vlens-mobile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const fingerprintIn = (banner: string) => /HTTPS certificate SHA-256 fingerprint: ([0-9A-F:]{95})/.exec(banner)?.[1];
const lanAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

/** GET over HTTPS trusting only `ca`; resolves with the status and the served certificate's fingerprint. */
function getTrusting(url: string, ca: string | Buffer | Buffer[]): Promise<{ status: number; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(url, { ca, agent: false }, (response) => {
      const fingerprint = (response.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, fingerprint }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('HTTPS', () => {
  it("--tls self-signed: a client trusting the local CA connects by name and by address; the banner prints the served certificate's fingerprint; a restart keeps it", async () => {
    const dir = join(scratch, 'tls');
    let mock: Running = await startCli(['--port', '0', '--quiet', '--tls', 'self-signed', '--tls-dir', dir]);
    const port = new URL(mock.url).port;
    let printed: string | undefined;
    try {
      expect(mock.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      printed = fingerprintIn(mock.stdout());
      expect(printed).toBeDefined();
      expect(mock.stdout()).toContain(join(dir, 'vlens-mock-ca.pem'));
      const ca = readFileSync(join(dir, 'vlens-mock-ca.pem'));
      for (const host of ['localhost', '127.0.0.1']) {
        const answer = await getTrusting(`https://${host}:${port}/__vlens/health`, ca);
        expect(answer, host).toEqual({ status: 200, fingerprint: printed });
      }
      // Without the CA, the certificate is refused: it is not the system's to trust.
      await expect(getTrusting(`https://localhost:${port}/__vlens/health`, [])).rejects.toThrow(/certificate/i);
      // The TLS versions and key App Transport Security asks for.
      const socket = connect({ host: '127.0.0.1', port: Number(port), ca, servername: 'localhost' });
      await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      expect(['TLSv1.2', 'TLSv1.3']).toContain(socket.getProtocol());
      const served = socket.getPeerCertificate();
      expect(served.asn1Curve).toBe('prime256v1');
      expect(served.subjectaltname).toContain('DNS:localhost');
      expect(served.subjectaltname).toContain('IP Address:127.0.0.1');
      expect((Date.parse(served.valid_to) - Date.parse(served.valid_from)) / 86_400_000).toBeLessThanOrEqual(825);
      socket.end();
    } finally {
      await mock.stop();
    }
    mock = await startCli(['--port', '0', '--quiet', '--tls', 'self-signed', '--tls-dir', dir]);
    try {
      expect(fingerprintIn(mock.stdout())).toBe(printed);
    } finally {
      await mock.stop();
    }
  });

  it('--tls-cert and --tls-key: serves the certificate given, whose fingerprint the banner prints', async () => {
    const { generate } = await import('selfsigned');
    const made = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
    writeFileSync(join(scratch, 'cert.pem'), made.cert);
    writeFileSync(join(scratch, 'key.pem'), made.private);
    const mock = await startCli(['--port', '0', '--quiet', '--tls-cert', join(scratch, 'cert.pem'), '--tls-key', join(scratch, 'key.pem')]);
    try {
      const answer = await getTrusting(`https://localhost:${new URL(mock.url).port}/__vlens/health`, made.cert);
      expect(answer.status).toBe(200);
      expect(fingerprintIn(mock.stdout())).toBe(answer.fingerprint);
    } finally {
      await mock.stop();
    }
  });

  it('refuses --tls with anything but self-signed, and a key without its certificate', () => {
    const run = (args: string[]) => spawnSync(process.execPath, ['mocks/cli.js', '--port', '0', ...args], { encoding: 'utf8' });
    expect(run(['--tls', 'yes']).stderr).toMatch(/--tls takes one value, self-signed/);
    expect(run(['--tls-key', 'key.pem']).status).toBe(2);
  });
});

describe('the sandbox on the LAN', () => {
  it("--host 0.0.0.0 answers at this machine's non-loopback address, over HTTPS trusted for that address too", async () => {
    const address = lanAddress();
    expect(address, 'this machine has a non-loopback IPv4 address').toBeDefined();
    const dir = join(scratch, 'lan-tls');
    const mock = await startCli(['--port', '0', '--quiet', '--host', '0.0.0.0', '--tls', 'self-signed', '--tls-dir', dir]);
    try {
      const answer = await getTrusting(`https://${address}:${new URL(mock.url).port}/__vlens/health`, readFileSync(join(dir, 'vlens-mock-ca.pem')));
      expect(answer.status).toBe(200);
      expect(mock.stdout()).toContain(`valid for: localhost, 127.0.0.1, ::1, ${address}`);
    } finally {
      await mock.stop();
    }
  });
});

describe("the Android emulator's 10.0.2.2", () => {
  // A network namespace is the emulator: its guest is 10.0.2.15, the host it reaches is 10.0.2.2.
  const namespace = `vlens-emu-${process.pid}`;
  const canMakeNamespaces = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'add', namespace]).status === 0;
  afterAll(() => {
    if (canMakeNamespaces) {
      spawnSync('ip', ['link', 'del', `vh${process.pid % 100000}`]);
      spawnSync('ip', ['netns', 'del', namespace]);
    }
  });

  it.skipIf(!canMakeNamespaces)('a guest at 10.0.2.15 reaches the sandbox at http://10.0.2.2:<port>', async () => {
    const host = `vh${process.pid % 100000}`;
    const guest = `vg${process.pid % 100000}`;
    const ip = (...args: string[]) => execFileSync('ip', args);
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', guest);
    ip('link', 'set', guest, 'netns', namespace);
    ip('addr', 'add', '10.0.2.2/24', 'dev', host);
    ip('link', 'set', host, 'up');
    ip('netns', 'exec', namespace, 'ip', 'addr', 'add', '10.0.2.15/24', 'dev', guest);
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', guest, 'up');
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
    const mock = await startCli(['--port', '0', '--quiet', '--host', '0.0.0.0']);
    try {
      const port = new URL(mock.url).port;
      const probe = `fetch('http://10.0.2.2:${port}/__vlens/health').then(async (r) => { console.log(r.status, await r.text()); }, (e) => { console.log('failed', e.cause?.code ?? e.message); })`;
      const seen = spawnSync('ip', ['netns', 'exec', namespace, process.execPath, '-e', probe], { encoding: 'utf8', timeout: 20_000 });
      expect(seen.stdout.trim()).toBe('200 {"status":"ok"}');
    } finally {
      await mock.stop();
    }
  });
});
