// HTTPS for the sandbox and the proxy: a certificate and key given as files (`--tls-cert`,
// `--tls-key`), or `--tls self-signed`: a local certificate authority and a server certificate it
// signs, for every name and address the server can be reached by (localhost, 127.0.0.1, ::1, this
// machine's interface addresses, and --host when it is a name), as mkcert does. A phone trusts the
// authority once (docs/mobile.md); the pair is kept in a folder (default ~/.cache/vlens-mock/tls) and
// reused while it covers the names and stays valid, so a restart does not ask for a new trust.
// iOS (App Transport Security, and its rules for server certificates since iOS 13) wants TLS 1.2+,
// SHA-256 signatures, an ECDSA key of 256 bits or more, subjectAltName for every name, the serverAuth
// extended key usage and at most 825 days of validity: all of which the server certificate has.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { homedir, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';

const SERVER_DAYS = 397;
const AUTHORITY_DAYS = 3650;
// A pair is made anew this many days before it would expire.
const RENEW_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * @typedef {object} TlsFiles
 * @property {string} cert PEM: the server certificate, then the authority's when there is one
 * @property {string} key PEM
 * @property {string} fingerprint256 SHA-256 fingerprint of the server certificate, `AB:CD:...`
 * @property {string[]} names the DNS names and IP addresses it is valid for
 * @property {string | null} authorityFile the authority's certificate (PEM) to install on a device, for a self-signed pair
 * @property {string | null} authorityFingerprint256
 */

/**
 * A certificate and key from files (PEM). Throws naming the file when one cannot be read or is no
 * certificate.
 * @param {string} certFile
 * @param {string} keyFile
 * @returns {TlsFiles}
 */
export function tlsFromFiles(certFile, keyFile) {
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  /** @type {X509Certificate} */
  let parsed;
  try {
    parsed = new X509Certificate(cert);
  } catch {
    throw new TypeError(`${certFile} holds no PEM certificate`);
  }
  return { cert, key, fingerprint256: parsed.fingerprint256, names: namesOf(parsed), authorityFile: null, authorityFingerprint256: null };
}

/**
 * The names a server listening on `host` is reached by: localhost and the loopback addresses, every
 * address of this machine's interfaces (the LAN address a phone uses), and `host` itself when it is
 * a name or a specific address.
 * @param {string} host
 * @returns {string[]}
 */
export function servedNames(host) {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (!address.address.startsWith('fe80')) names.add(address.address);
  }
  if (host && host !== '0.0.0.0' && host !== '::') names.add(host.replace(/^\[|\]$/g, ''));
  return [...new Set([...names].map(canonical))];
}

/** @param {X509Certificate} certificate */
function namesOf(certificate) {
  return (certificate.subjectAltName ?? '')
    .split(', ')
    .map((entry) => canonical(entry.replace(/^(DNS|IP Address):/, '')))
    .filter(Boolean);
}

/**
 * One spelling per address (`0:0:0:0:0:0:0:1` and `::1`, `FD00::2` and `fd00::2`), names lower case.
 * @param {string} name
 */
function canonical(name) {
  if (isIP(name) === 6) return new URL(`http://[${name}]`).hostname.slice(1, -1);
  return name.toLowerCase();
}

/**
 * A local authority and a server certificate for `names`, made with selfsigned (loaded only here),
 * or the pair already in `dir` when it covers every name and is valid for RENEW_DAYS more.
 * @param {{ names: string[], dir?: string, now?: Date }} options
 * @returns {Promise<TlsFiles>}
 */
export async function selfSignedTls({ names, dir = defaultTlsDir(), now = new Date() }) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = {
    authority: join(dir, 'vlens-mock-ca.pem'),
    authorityKey: join(dir, 'vlens-mock-ca-key.pem'),
    cert: join(dir, 'vlens-mock-cert.pem'),
    key: join(dir, 'vlens-mock-key.pem'),
  };
  const { generate } = await import('selfsigned');
  const stillValid = (/** @type {X509Certificate} */ certificate) => new Date(certificate.validTo).getTime() - now.getTime() > RENEW_DAYS * DAY_MS;

  let authority =
    existsSync(files.authority) && existsSync(files.authorityKey) ? { cert: readFileSync(files.authority, 'utf8'), key: readFileSync(files.authorityKey, 'utf8') } : null;
  if (!authority || !stillValid(new X509Certificate(authority.cert))) {
    const made = await generate(
      [
        { name: 'commonName', value: 'vlens-mock local CA' },
        { name: 'organizationName', value: 'vlens-digital-identity sandbox (local)' },
      ],
      {
        keyType: 'ec',
        curve: 'P-256',
        algorithm: 'sha256',
        notBeforeDate: new Date(now.getTime() - DAY_MS),
        notAfterDate: new Date(now.getTime() + AUTHORITY_DAYS * DAY_MS),
        extensions: [
          { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        ],
      },
    );
    authority = { cert: made.cert, key: made.private };
    writeFileSync(files.authorityKey, authority.key, { mode: 0o600 });
    writeFileSync(files.authority, authority.cert);
    // A new authority: any server certificate it did not sign goes.
    writeFileSync(files.cert, '');
  }
  const authorityCertificate = new X509Certificate(authority.cert);

  const existing = existsSync(files.cert) && existsSync(files.key) ? readFileSync(files.cert, 'utf8') : '';
  /** @type {X509Certificate | null} */
  let server = null;
  try {
    server = existing ? new X509Certificate(existing) : null;
  } catch {
    server = null;
  }
  const covers =
    server !== null && names.every((name) => namesOf(/** @type {X509Certificate} */ (server)).includes(name)) && stillValid(server) && server.checkIssued(authorityCertificate);
  if (!covers) {
    const made = await generate([{ name: 'commonName', value: names.find((name) => isIP(name) === 0) ?? 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - DAY_MS),
      notAfterDate: new Date(now.getTime() + SERVER_DAYS * DAY_MS),
      ca: authority,
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: names.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })) },
      ],
    });
    writeFileSync(files.key, made.private, { mode: 0o600 });
    writeFileSync(files.cert, made.cert);
    server = new X509Certificate(made.cert);
  }
  const cert = readFileSync(files.cert, 'utf8');
  return {
    cert: `${cert.trimEnd()}\n${authority.cert.trimEnd()}\n`,
    key: readFileSync(files.key, 'utf8'),
    fingerprint256: /** @type {X509Certificate} */ (server).fingerprint256,
    names: namesOf(/** @type {X509Certificate} */ (server)),
    authorityFile: files.authority,
    authorityFingerprint256: authorityCertificate.fingerprint256,
  };
}

/** Where `--tls self-signed` keeps its pair: $XDG_CACHE_HOME/vlens-mock/tls, or ~/.cache/vlens-mock/tls. */
export function defaultTlsDir() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vlens-mock', 'tls');
}

/** The flags tlsFromFlags reads, as node:util's parseArgs declares them (the mock's and the proxy's). */
export const TLS_FLAGS = /** @type {const} */ ({ 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, tls: { type: 'string' }, 'tls-dir': { type: 'string' } });

/**
 * The TLS the command-line flags ask for, or null: `--tls-cert` and `--tls-key` together, or `--tls
 * self-signed` (with `--tls-dir`). Throws a TypeError naming a flag used wrongly.
 * @param {{ 'tls-cert'?: string, 'tls-key'?: string, tls?: string, 'tls-dir'?: string }} flags
 * @param {string} host the interface the server listens on
 * @returns {Promise<TlsFiles | null>}
 */
export async function tlsFromFlags(flags, host) {
  const { 'tls-cert': certFile, 'tls-key': keyFile, tls: mode, 'tls-dir': dir } = flags;
  if (mode !== undefined && mode !== 'self-signed')
    throw new TypeError(`--tls takes one value, self-signed; got "${mode}" (for your own certificate use --tls-cert FILE --tls-key FILE)`);
  if (mode !== undefined && (certFile !== undefined || keyFile !== undefined)) throw new TypeError('--tls self-signed and --tls-cert/--tls-key exclude each other');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new TypeError('--tls-cert and --tls-key go together');
  if (dir !== undefined && mode === undefined) throw new TypeError('--tls-dir goes with --tls self-signed');
  if (certFile !== undefined && keyFile !== undefined) return tlsFromFiles(certFile, keyFile);
  if (mode === 'self-signed') return selfSignedTls({ names: servedNames(host), ...(dir !== undefined ? { dir } : {}) });
  return null;
}

/**
 * The banner's lines about TLS.
 * @param {TlsFiles} tls
 */
export function tlsBanner(tls) {
  const lines = [`HTTPS certificate SHA-256 fingerprint: ${tls.fingerprint256}`, `  valid for: ${tls.names.join(', ')}`];
  if (tls.authorityFile) lines.push(`  signed by a local CA (SHA-256 ${tls.authorityFingerprint256}): install ${tls.authorityFile} on the device and trust it (docs/mobile.md)`);
  return lines;
}
