// The little HTTP plumbing both contract test servers share.
import { createServer } from 'node:http';

/**
 * Starts `handle(request, url, body)` on 127.0.0.1 and a free port. `handle` returns
 * `{ status, body }` (body serialized as JSON).
 */
export async function serve(handle, { maxBodyBytes = 12 * 1024 * 1024 } = {}) {
  const sockets = new Set();
  const server = createServer(async (request, response) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of request) {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    }
    const url = new URL(request.url, 'http://localhost');
    let answer;
    try {
      answer = await handle(request, url, Buffer.concat(chunks).toString('utf8'), { tooLarge });
    } catch (error) {
      answer = { status: 500, body: { data: null, error_code: 500, error_message: `stand-in crashed: ${error.message}`, error_descriptions: null } };
    }
    const text = JSON.stringify(answer.body);
    response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    response.end(text);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export const header = (request, name) => {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

export const bearerOf = (request) => /^Bearer +(.+)$/i.exec(header(request, 'authorization') ?? '')?.[1] ?? null;

/** The JSON media types ASP.NET's input formatter accepts. */
export const isJsonContentType = (value) => {
  const type = String(value ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type === 'text/json' || /^application\/[a-z0-9.+-]*\+json$/.test(type);
};
