// The little HTTP plumbing both contract test servers share.
import { createServer } from 'node:http';

/** @import { IncomingMessage } from 'node:http' */
/** @import { AddressInfo, Socket } from 'node:net' */

/**
 * What a stand-in answers: `body` is sent as JSON, with `contentType` (default JSON in UTF-8).
 * @typedef {{ status: number, body: unknown, contentType?: string }} Answer
 */

/**
 * A stand-in's handler. `text`: the request body as UTF-8 (empty past the limit); `tooLarge`: the body
 * was longer than `maxBodyBytes`.
 * @callback Handler
 * @param {IncomingMessage} request
 * @param {URL} url the request's URL, against http://localhost
 * @param {string} text
 * @param {{ tooLarge: boolean }} extra
 * @returns {Promise<Answer>}
 */

/** @typedef {{ url: string, port: number, stop: () => Promise<void> }} StandIn */

/**
 * Starts `handle(request, url, body)` on 127.0.0.1 and a free port. `handle` returns
 * `{ status, body }` (body serialized as JSON).
 * @param {Handler} handle
 * @param {{ maxBodyBytes?: number }} [options] the most bytes of a request body kept (default 12 MiB)
 * @returns {Promise<StandIn>}
 */
export async function serve(handle, { maxBodyBytes = 12 * 1024 * 1024 } = {}) {
  /** @type {Set<Socket>} */
  const sockets = new Set();
  const server = createServer(async (request, response) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of request) {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    }
    // A server's request always has a URL; only a client's IncomingMessage lacks one.
    const url = new URL(request.url ?? '/', 'http://localhost');
    /** @type {Answer} */
    let answer;
    try {
      answer = await handle(request, url, Buffer.concat(chunks).toString('utf8'), { tooLarge });
    } catch (error) {
      answer = {
        status: 500,
        body: { data: null, error_code: 500, error_message: `stand-in crashed: ${error instanceof Error ? error.message : String(error)}`, error_descriptions: null },
      };
    }
    const text = JSON.stringify(answer.body);
    response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    response.end(text);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {AddressInfo} */ (server.address());
  /** @returns {Promise<void>} */
  const stop = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { url: `http://127.0.0.1:${port}`, port, stop };
}

/**
 * A request header's value, the first when sent more than once.
 * @param {IncomingMessage} request
 * @param {string} name
 * @returns {string | undefined}
 */
export const header = (request, name) => {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * @param {IncomingMessage} request
 * @returns {string | null} the bearer token of `Authorization`
 */
export const bearerOf = (request) => /^Bearer +(.+)$/i.exec(header(request, 'authorization') ?? '')?.[1] ?? null;

/**
 * The JSON media types ASP.NET's input formatter accepts.
 * @param {string | undefined} value a Content-Type
 */
export const isJsonContentType = (value) => {
  const type = (String(value ?? '').split(';')[0] ?? '').trim().toLowerCase();
  return type === 'application/json' || type === 'text/json' || /^application\/[a-z0-9.+-]*\+json$/.test(type);
};
