// Shared by the ship-* suites: a process (the single executable, a script) started for real, its
// output collected, and the verification flow a user of the mock runs, through the typed client.
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { createVlensClient } from '../src/index.js';
import { BACK, FACES, FRONT } from './client-helpers.js';

export interface Started {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout, waiting for it; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (null when a signal ended it) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function start(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Started {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    output: () => `${stdout}${stderr ? `\nstderr:\n${stderr}` : ''}`,
    exited,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(stdout);
        if (match) return match;
        if (done) throw new Error(`${command} exited before printing ${pattern}:\n${stdout}\nstderr:\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`${command} printed no ${pattern} within ${timeoutMs} ms:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Polls the documented readiness probe, `GET <baseUrl>/__vlens/health`, until it answers 200
 * `{"status":"ok"}` (a container needs a moment after start); resolves with the milliseconds it took.
 */
export async function healthy(baseUrl: string, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  let last: unknown = null;
  for (;;) {
    try {
      const answer = await fetch(`${baseUrl}/__vlens/health`);
      const body = await answer.text();
      if (answer.status === 200 && body === '{"status":"ok"}') return Date.now() - started;
      last = new Error(`GET /__vlens/health answered ${answer.status} ${body.slice(0, 200)}`);
    } catch (error) {
      last = error;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${baseUrl}/__vlens/health is not ready after ${timeoutMs} ms`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * What a mobile or QA team does against the mock, through the typed client: register, log in, verify
 * an identity (front, back, liveness on the transaction id of the front's answer), link the
 * transaction, then as an admin list the user's images and download one.
 */
export async function runWholeFlow(baseUrl: string) {
  let token = '';
  const vlens = createVlensClient({ baseUrl, apiKey: 'ship-test-key', tenancyName: 'acme', accessToken: () => token });
  const phoneNumber = '+201001234567';
  const password = 'S3cure!pass';

  expect(await vlens.checkExistenceOfEmailOrPhone({ phoneNumber })).toEqual({ exists: false });
  const phone = await vlens.registerStepVerifyPhone({ phoneNumber });
  expect(phone.phoneNumberOtpRequestId).toEqual(expect.any(String));
  await vlens.register({ phoneNumber, password, phoneNumberOtpRequestId: phone.phoneNumberOtpRequestId!, phoneNumberOtp: '123456' });
  const login = await vlens.userLogin({ phoneNumber, password, imei: '356938035643809' });
  expect(login.accessToken).toEqual(expect.any(String));
  token = login.accessToken!;

  const verified = await vlens.verifyIdentity({ idFront: FRONT, idBack: BACK, faces: FACES });
  expect(verified.status).toBe('verified');
  expect(verified.transactionId).toMatch(/^[0-9a-f-]{36}$/);
  expect((await vlens.linkTransaction({ transactionId: verified.transactionId })).status).toBe('verified');

  const admin = await vlens.adminLogin({ userNameOrEmailAddress: 'admin@acme.example', password: 'correct-horse-42' });
  token = admin.accessToken!;
  const images = await vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: phoneNumber });
  expect(images.idFrontImage).toEqual(expect.any(String));
  const step = await vlens.getStepImage({ TransactionId: verified.transactionId, FileName: images.idFrontImage! });
  expect(step.image).toEqual(expect.any(String));
  return { transactionId: verified.transactionId, frontImage: step.image };
}
