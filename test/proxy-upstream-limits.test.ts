// The proxy's limits against its upstream and its app, measured on a real `vlens-mock proxy` process
// by its peak resident memory (VmHWM). The proxy keeps at most `maxBodyBytes` (64 MiB) of a body to
// check: a compressed answer is unpacked no further than that, an answer held for
// --violations-header is let go past it, unchecked, and an answer reaches the app no faster than the
// app reads it. Before these limits, a 48 KB brotli answer grew the proxy by 1 GiB (a 6 KB one
// aborted it), a 512 MiB answer under --violations-header by 1 GiB, and an app that read nothing of
// a 512 MiB answer by 513 MiB.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type ClientRequest, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy } from '../mocks/index.js';
import { type Running, startCli } from './proxy-helpers.js';

const MiB = 1024 * 1024;
// Peak resident memory of a process, from Linux's /proc (VmHWM: the high-water mark).
const peakRss = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

let upstream: Server | undefined;
let proxy: Running | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  upstream?.closeAllConnections();
  upstream?.close();
  upstream = undefined;
});

async function startUpstream(answer: (response: import('node:http').ServerResponse) => void): Promise<string> {
  upstream = createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(response));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  return `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}

/** The app's front scan sent through the proxy at `url` with node:http (fetch would undo the Content-Encoding itself): `onAnswer` gets the answer as it starts. */
function sendFront(url: string, onAnswer: (answer: IncomingMessage) => void): ClientRequest {
  const { hostname, port } = new URL(url);
  const request = httpRequest(
    {
      host: hostname,
      port,
      method: 'POST',
      path: '/api/DigitalIdentity/verify/id/front',
      headers: { ApiKey: 'review-proxy', Authorization: 'Bearer any.user.token', 'Content-Type': 'application/json' },
    },
    onAnswer,
  );
  request.end('{"image":"/9j/4AAQSkZJRgABCDEFGHIJ"}');
  return request;
}

/** The app's request, read as raw bytes. */
function frontRaw(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    sendFront(url, (answer) => {
      const parts: Buffer[] = [];
      answer.on('data', (part: Buffer) => parts.push(part));
      answer.on('end', () => resolve({ status: answer.statusCode!, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

/** The proxy's report as it is now: what it filed of the one exchange these tests make. */
async function notCheckedOf(url: string) {
  const report = await (await fetch(`${url}/__vlens-proxy/report`)).json();
  return { totals: report.totals, notChecked: report.operations.flatMap((entry: { notChecked: unknown[] }) => entry.notChecked) };
}

/** Answers `total` bytes (a multiple of 1 MiB) of spaces, 1 MiB at a time as fast as the reader takes them; `done` once all are written. */
function answerSpaces(response: ServerResponse, total: number, done: () => void = () => {}) {
  const chunk = Buffer.alloc(MiB, 0x20);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(total) });
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      sent += chunk.length;
      if (sent >= total) return void response.end(chunk, done);
      if (!response.write(chunk)) return;
    }
  };
  response.on('drain', pump);
  pump();
}

/** An upstream answering without end, 1 MiB at a time as fast as the proxy takes it, until its connection closes or it has sent `cap` bytes. */
function endlessUpstream(cap: number) {
  let sent = 0;
  let onSent: (bytes: number) => void = () => {};
  let aborted: () => void = () => {};
  let capped: () => void = () => {};
  const ended = Promise.race([
    new Promise<string>((done) => (aborted = () => done('aborted'))),
    new Promise<string>((done) => (capped = () => done(`still sending after ${cap} bytes`))),
  ]);
  const url = startUpstream((response) => {
    const chunk = Buffer.alloc(MiB, 0x20);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.on('close', () => aborted());
    const pump = () => {
      while (!response.destroyed) {
        if (sent >= cap) return capped();
        sent += chunk.length;
        onSent(sent);
        if (!response.write(chunk)) return;
      }
    };
    response.on('drain', pump);
    pump();
  });
  const whenSent = (bytes: number) =>
    new Promise<void>((done) => {
      onSent = (total) => total >= bytes && done();
      onSent(sent);
    });
  return { url, ended, whenSent };
}

const front = (url: string) =>
  fetch(`${url}/api/DigitalIdentity/verify/id/front`, {
    method: 'POST',
    headers: { ApiKey: 'review-proxy', Authorization: 'Bearer any.user.token', 'Content-Type': 'application/json', 'Accept-Encoding': 'identity' },
    body: '{"image":"/9j/4AAQSkZJRgABCDEFGHIJ"}',
  });

describe('a hostile upstream behind the proxy', () => {
  it('unpacks a small brotli answer no further than its 64 MiB ceiling, and forwards it unchanged', async () => {
    // A vendor-shaped 500 whose error_message is 256 MiB of spaces: about 50 KB on the wire.
    const unpacked = Buffer.concat([Buffer.from('{"data":null,"error_code":500,"error_message":"'), Buffer.alloc(256 * MiB, 0x20), Buffer.from('","error_descriptions":null}')]);
    const bomb = brotliCompressSync(unpacked, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
    expect(bomb.length).toBeLessThan(MiB);
    const url = await startUpstream((response) => {
      response.writeHead(500, { 'content-type': 'application/json', 'content-encoding': 'br', 'content-length': String(bomb.length) });
      response.end(bomb);
    });
    proxy = await startCli(['proxy', '--upstream', url, '--port', '0']);
    const pid = proxy.child.pid!;
    const before = peakRss(pid);

    const answer = await frontRaw(proxy.url);
    // The app gets the upstream's bytes unchanged.
    expect(answer.status).toBe(500);
    expect(answer.body.equals(bomb)).toBe(true);
    // The check has run (or been skipped as too large) once the verdict answers.
    const verdict = await fetch(`${proxy.url}/__vlens-proxy/verdict`);
    expect([200, 422]).toContain(verdict.status);

    const grown = peakRss(pid) - before;
    console.log(`proxy peak RSS grew ${Math.round(grown / MiB)} MiB for a ${Math.round(bomb.length / 1024)} KB brotli answer`);
    // 64 MiB is the most the proxy keeps of a body to check; unpacking may cost it once or twice, not 256 MiB and more.
    expect(grown).toBeLessThan(192 * MiB);
    // The report says the answer was not checked, and why.
    expect(await notCheckedOf(proxy.url)).toEqual({
      totals: expect.objectContaining({ exchanges: 1, notChecked: 1, withViolations: 0 }),
      notChecked: [{ reason: `the answer is larger than ${64 * MiB} bytes unpacked`, count: 1, exchanges: ['000001'] }],
    });
  }, 120_000);

  it('under --violations-header, lets a 512 MiB answer go unchecked past 64 MiB instead of holding it whole', async () => {
    const total = 512 * MiB;
    const url = await startUpstream((response) => answerSpaces(response, total));
    proxy = await startCli(['proxy', '--upstream', url, '--port', '0', '--violations-header']);
    const pid = proxy.child.pid!;
    const before = peakRss(pid);

    const answer = await front(proxy.url);
    // Unchecked, it carries no violations header.
    expect(answer.headers.get('x-vlens-proxy-violations')).toBeNull();
    let received = 0;
    const reader = answer.body!.getReader();
    for (let part = await reader.read(); !part.done; part = await reader.read()) received += part.value.length;
    expect(received).toBe(total);

    const grown = peakRss(pid) - before;
    console.log(`proxy peak RSS grew ${Math.round(grown / MiB)} MiB passing a 512 MiB answer under --violations-header`);
    // Past maxBodyBytes (64 MiB) the exchange passes unchecked: nothing obliges the proxy to hold the rest.
    expect(grown).toBeLessThan(192 * MiB);
    expect(await notCheckedOf(proxy.url)).toEqual({
      totals: expect.objectContaining({ exchanges: 1, notChecked: 1, withViolations: 0 }),
      notChecked: [{ reason: `the answer is larger than ${64 * MiB} bytes`, count: 1, exchanges: ['000001'] }],
    });
  }, 180_000);

  for (const held of [false, true]) {
    it(`aborts the upstream request when the app leaves mid-answer${held ? ', under --violations-header too (while it holds the answer)' : ''}`, async () => {
      const endless = endlessUpstream(512 * MiB);
      proxy = await startCli(['proxy', '--upstream', await endless.url, '--port', '0', ...(held ? ['--violations-header'] : [])]);
      const app = sendFront(proxy.url, (answer) => answer.resume());
      app.on('error', () => {});
      // 8 MiB in (held: less than the 64 MiB the proxy holds, so the app has seen nothing yet), the app leaves.
      await endless.whenSent(8 * MiB);
      app.destroy();

      expect(await endless.ended).toBe('aborted');
      expect(await notCheckedOf(proxy.url)).toEqual({
        totals: expect.objectContaining({ exchanges: 1, notChecked: 1, upstreamFailures: 0 }),
        notChecked: [{ reason: 'the app closed the connection before the answer ended', count: 1, exchanges: ['000001'] }],
      });
    }, 60_000);
  }
});

describe('a fast upstream and a slow app', () => {
  it('reads the upstream no faster than the app takes the answer (backpressure)', async () => {
    const total = 512 * MiB;
    let upstreamDone: () => void = () => {};
    const finished = new Promise<void>((done) => (upstreamDone = done));
    const url = await startUpstream((response) => answerSpaces(response, total, upstreamDone));
    proxy = await startCli(['proxy', '--upstream', url, '--port', '0', '--quiet']);
    const pid = proxy.child.pid!;
    const before = peakRss(pid);

    // The app (a phone on a slow network, say) reads none of the answer for a while.
    const app = sendFront(proxy.url, (answer) => answer.pause());
    app.on('error', () => {});
    // Either the proxy took the whole answer from the upstream, or backpressure stopped it.
    await Promise.race([finished, new Promise((done) => setTimeout(done, 10_000))]);
    app.destroy();

    const grown = peakRss(pid) - before;
    console.log(`proxy peak RSS grew ${Math.round(grown / MiB)} MiB while the app read nothing of a 512 MiB answer`);
    expect(grown).toBeLessThan(192 * MiB);
  }, 60_000);

  it('does not take an upstream held back by a slow app for one that stopped answering (upstreamTimeoutSeconds)', async () => {
    const total = 128 * MiB;
    const url = await startUpstream((response) => answerSpaces(response, total));
    // In this process: the CLI has no flag for the upstream's timeout.
    const running = await startProxy({ upstream: url, upstreamTimeoutSeconds: 0.2 });
    try {
      const received = await new Promise<number>((resolve, reject) => {
        sendFront(running.url, (answer) => {
          let bytes = 0;
          answer.on('data', (part: Buffer) => (bytes += part.length));
          answer.on('end', () => resolve(bytes));
          answer.on('error', reject);
          // The app reads nothing for ten times the upstream's timeout, then everything.
          answer.pause();
          setTimeout(() => answer.resume(), 2000);
        }).on('error', reject);
      });
      expect(received).toBe(total);
      expect((await notCheckedOf(running.url)).totals).toMatchObject({ exchanges: 1, notChecked: 1, upstreamFailures: 0 });
    } finally {
      await running.stop();
    }
  }, 60_000);
});
