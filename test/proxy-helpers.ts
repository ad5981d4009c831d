// Shared by the proxy's suites: the real `vlens-mock proxy` and `vlens-mock` processes, started as a
// user starts them, with their banner read for the URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const CLI = `${ROOT}mocks/cli.js`;

export interface Running {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `node mocks/cli.js ...args` and resolves once its banner names the URL it listens on. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const match = /listening on (https?:\/\/[^\s,]+)/.exec(stdout);
      if (!started && match) {
        started = true;
        resolve({
          url: match[1]!,
          child,
          stdout: () => stdout,
          stderr: () => stderr,
          async stop() {
            if (child.exitCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    void exited.then((code) => {
      if (!started) reject(new Error(`exited with ${code} before listening\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
}

/** A JPEG-looking image of `bytes` bytes, different for every seed, as bytes. */
export function jpeg(seed: number, bytes = 700): Buffer {
  const buffer = Buffer.alloc(bytes);
  for (let index = 0; index < bytes; index++) buffer[index] = (seed * 31 + index * 7 + (index >> 3)) & 0xff;
  buffer[0] = 0xff;
  buffer[1] = 0xd8;
  buffer[2] = 0xff;
  return buffer;
}
