// Shared by the mock's test suites: the real mock process (`node mocks/cli.js`, what `npm start` and
// `npx vlens-mock` run), valid requests built from the description's own examples, and the declared
// response schemas to check every answer against.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listOperations, loadBundle, resolveRef } from '../scripts/lib/description.mjs';
import { createDescriptionAjv, pointer } from './support/openapi-ajv.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const CLI = `${ROOT}mocks/cli.js`;

// Distinctive, so a leak into an answer or a log line is found by a plain substring search.
export const API_KEY = 'mock-test-SECRET-apikey-7f3a9c';
export const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtb2NrLXRlc3QifQ.SECRETSIGNATUREmocktest0123456789';
export const SECRETS = [API_KEY, TOKEN, 'SECRET'];

export interface MockProcess {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the next stdout line that matches, waiting for it if needed. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<number | null>;
}

export function startMockProcess(args: string[] = ['--port', '0'], env: NodeJS.ProcessEnv = {}, command = [CLI]): Promise<MockProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...command, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (!started && match) {
        started = true;
        resolve(running(match[1]!));
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    void exited.then((code) => {
      if (!started) reject(new Error(`the mock exited with ${code} before listening\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
    const running = (url: string): MockProcess => ({
      url,
      child,
      stdout: () => stdout,
      stderr: () => stderr,
      async waitForLine(pattern, timeoutMs = 5000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const line = stdout.split('\n').find((candidate) => pattern.test(candidate));
          if (line) return line;
          if (Date.now() > deadline) throw new Error(`no stdout line matched ${pattern}:\n${stdout}`);
          await new Promise((done) => setTimeout(done, 20));
        }
      },
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        return exited;
      },
    });
  });
}

export const bundle = loadBundle();
export const operations = listOperations(bundle).map(({ path, method, operation }: { path: string; method: string; operation: any }) => ({
  id: operation.operationId as string,
  path,
  method: method.toUpperCase(),
  operation,
  statuses: Object.keys(operation.responses).map(Number),
  security: (operation.security ?? []) as Record<string, string[]>[],
  parameters: ((operation.parameters ?? []) as unknown[]).map((parameter) => resolveRef(bundle, parameter)),
  body: resolveRef(bundle, operation.requestBody)?.content?.['application/json'],
}));
export type MockOperation = (typeof operations)[number];

export const operation = (id: string): MockOperation => {
  const found = operations.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found;
};

export interface MockRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body?: string | Buffer;
}

/** A request the description says is valid: its first request example, required parameters from their examples. */
export function validRequest(target: MockOperation): MockRequest {
  const headers: Record<string, string> = { ApiKey: API_KEY };
  const schemes = Object.keys(target.security[0] ?? {});
  if (schemes.some((scheme) => /Bearer/.test(scheme))) headers.Authorization = `Bearer ${TOKEN}`;
  const query: Record<string, string> = {};
  for (const parameter of target.parameters.filter((candidate: any) => candidate.required)) {
    if (parameter.in === 'query') query[parameter.name] = String(parameter.example);
    if (parameter.in === 'header') headers[parameter.name] = String(parameter.example);
  }
  const request: MockRequest = { method: target.method, path: target.path, headers, query };
  if (target.body) {
    const example = Object.values(target.body.examples ?? {})[0] as any;
    request.headers['Content-Type'] = 'application/json';
    request.body = JSON.stringify(resolveRef(bundle, example).value);
  }
  return request;
}

export interface MockAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function send(url: string, request: MockRequest): Promise<MockAnswer> {
  const target = new URL(request.path, url);
  for (const [name, value] of Object.entries(request.query)) target.searchParams.set(name, value);
  // fetch's BodyInit takes bytes as a Uint8Array over an ArrayBuffer; a Buffer may sit on a shared one.
  const payload = request.body === undefined || typeof request.body === 'string' ? request.body : new Uint8Array(request.body);
  const response = await fetch(target, { method: request.method, headers: request.headers, body: payload });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

const { validatorAt } = createDescriptionAjv(bundle);
const responseValidators = new Map<string, ReturnType<typeof validatorAt>>();

/** Errors of `body` against the schema the description declares for this operation and status (empty: valid). */
export function responseSchemaErrors(target: MockOperation, status: number, body: unknown): string[] {
  const key = `${target.id} ${status}`;
  if (!responseValidators.has(key)) {
    const declared = target.operation.responses[String(status)];
    if (!declared) return [`${target.id} declares no ${status} answer`];
    // A shared response is a $ref to components/responses/X: point into it, not through it.
    const base = declared.$ref ?? pointer('paths', target.path, target.method.toLowerCase(), 'responses', String(status));
    responseValidators.set(key, validatorAt(`${base}/content/application~1json/schema`));
  }
  const validate = responseValidators.get(key)!;
  return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

/** The envelope every refusal must be: data null, a code, a message, field errors as a list. */
export function isRefusalEnvelope(body: any): boolean {
  return (
    body !== null &&
    typeof body === 'object' &&
    body.data === null &&
    (typeof body.error_code === 'number' || typeof body.error_code === 'string') &&
    typeof body.error_message === 'string' &&
    (body.error_descriptions === null || Array.isArray(body.error_descriptions))
  );
}
