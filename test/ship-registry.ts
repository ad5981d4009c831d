// A local npm registry for the install test: it keeps what `npm publish` sends for this package (the
// packument and the tarball, as the npm registry stores them) and sends every other request on to the
// registry npm is configured with, so dependencies install as usual. Just the part of the registry
// protocol that `npm publish` and `npm install <name>` use for one package.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalRegistry {
  url: string;
  /** npm options that publish to it and install from it: --registry and a token for it. */
  npmArgs: string[];
  /** Requests it answered itself (method and path), for the test to check. */
  served: string[];
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

export async function startLocalRegistry(packageName: string, upstream: string): Promise<LocalRegistry> {
  let packument: Record<string, any> | null = null;
  const tarballs = new Map<string, Buffer>();
  const served: string[] = [];
  const packagePath = `/${packageName.replace('/', '%2f')}`;
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url!, 'http://registry').pathname);
    const ours = path === `/${packageName}` || path.startsWith(`/${packageName}/-/`) || request.url!.startsWith(packagePath);
    if (!ours) {
      response.writeHead(302, { Location: new URL(request.url!.replace(/^\//, ''), upstream).href }).end();
      return;
    }
    served.push(`${request.method} ${path}`);
    if (request.method === 'PUT') {
      const body = JSON.parse((await readBody(request)).toString('utf8'));
      for (const [file, attachment] of Object.entries<{ data: string }>(body._attachments ?? {})) tarballs.set(file, Buffer.from(attachment.data, 'base64'));
      const { _attachments, ...rest } = body;
      for (const manifest of Object.values<any>(rest.versions)) {
        manifest.dist.tarball = `${url}/${packageName}/-/${manifest.dist.tarball.split('/').pop()}`;
      }
      packument = packument ? { ...packument, versions: { ...packument.versions, ...rest.versions }, 'dist-tags': { ...packument['dist-tags'], ...rest['dist-tags'] } } : rest;
      response.writeHead(201, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      return;
    }
    const file = path.split('/-/')[1];
    if (file && tarballs.has(file)) {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(tarballs.get(file));
    } else if (!file && packument) {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(packument));
    } else {
      response.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"Not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    npmArgs: ['--registry', `${url}/`, `--//127.0.0.1:${(server.address() as AddressInfo).port}/:_authToken=local-registry-test-token`],
    served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
