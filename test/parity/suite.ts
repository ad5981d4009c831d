// One suite of flows, run unchanged in three places (test/msw-parity.test.ts): against the Node
// server over real HTTP, against the MSW handlers in a Node process (setupServer), and against the
// MSW handlers in Chromium (setupWorker). It drives the API with the typed client (src/) and the
// control API with plain fetch and the control object, records what an app would see at every step,
// and hands back that record with ids, tokens and times normalised, so the three records can be
// compared as they are. It uses only what a browser page has: fetch, AbortController, timers.
import type { OperationId, VlensSandboxControl } from '../../mocks/msw/types.js';
import { createVlensClient, VlensApiError, VlensError, VlensInputError, VlensTransportError, type VlensClient } from '../../src/index.js';

/** A tenant's control object: the sandbox's in process (MSW), or createSandboxControl's over HTTP (the Node server). */
export type Control = VlensSandboxControl;

export interface ParityTarget {
  /** Where the app sends its requests: the Node server's URL, or the base URL the MSW handlers answer at. */
  baseUrl: string;
  /** The control object of a tenant. */
  control(apiKey: string): Control;
}

/** One step of the record: its label, and what came back (normalised). */
export type Observation = [label: string, outcome: unknown];

export const SANDBOX_OTP = '123456';
const PASSWORD = 'S3cure!pass';
const TENANCY = 'acme';

/** A JPEG-looking image, different for every seed (xorshift bytes after the JPEG signature). */
export function jpeg(seed: number, bytes = 640): Uint8Array {
  const image = new Uint8Array(bytes);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let index = 0; index < bytes; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    image[index] = state & 0xff;
  }
  image.set([0xff, 0xd8, 0xff, 0xe0]);
  return image;
}

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const images = (seed: number) => ({ idFront: jpeg(seed), idBack: jpeg(seed + 1), faces: [jpeg(seed + 2), jpeg(seed + 3), jpeg(seed + 4)] as [Uint8Array, Uint8Array, Uint8Array] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What an app sees of an error: its class and the fields it branches on (never the message, whose wording is the runtime's). */
export function errorView(error: unknown): unknown {
  if (error instanceof VlensApiError) {
    return { name: error.name, status: error.status, errorCode: error.errorCode, isRejection: error.isRejection, fields: error.fieldErrors.map((field) => field.field) };
  }
  if (error instanceof VlensTransportError) return { name: error.name, kind: error.kind, status: error.status ?? null };
  if (error instanceof VlensInputError) return { name: error.name, code: error.code, field: error.field };
  if (error instanceof VlensError) return { name: error.name };
  if (error && typeof error === 'object' && 'problem' in error && 'status' in error) return { name: 'SandboxControlError', status: error.status, problem: error.problem };
  return { name: error instanceof Error ? error.name : typeof error };
}

/**
 * Runs every flow in order against `target` and returns the normalised record.
 * @param target where the API and its control answer
 */
export async function runParity(target: ParityTarget): Promise<Observation[]> {
  const record: Observation[] = [];
  const note = (label: string, outcome: unknown) => void record.push([label, outcome]);
  /** Runs one step and notes what it resolved to or the error it failed with. */
  async function step<T>(label: string, run: () => Promise<T>, view: (value: T) => unknown = (value) => value): Promise<T | undefined> {
    try {
      const value = await run();
      note(label, { ok: view(value) });
      return value;
    } catch (error) {
      note(label, { error: errorView(error) });
      return undefined;
    }
  }
  /** A raw HTTP call as an app's fetch makes it; notes the status, the media type and the body. */
  async function http(label: string, method: string, path: string, init: { apiKey?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.apiKey !== undefined) headers.ApiKey = init.apiKey;
    if (init.token) headers.Authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const response = await fetch(`${target.baseUrl}${path}`, {
        method,
        headers,
        body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        // not JSON: the text itself is compared
      }
      const answer = { status: response.status, type: (response.headers.get('content-type') ?? '').replace(/\s+/g, '').toLowerCase(), allow: response.headers.get('allow'), body };
      note(label, answer);
      return answer as { status: number; type: string; body: any };
    } catch (error) {
      note(label, { error: errorView(error) });
      return undefined;
    }
  }
  const client = (apiKey: string, session: { token?: string } = {}): VlensClient =>
    createVlensClient({ baseUrl: target.baseUrl, apiKey, tenancyName: TENANCY, accessToken: () => session.token });

  /** Registers a user by phone (StepVerifyPhone, then Register with the sandbox OTP); the session carries its token. */
  async function registered(vlens: VlensClient, session: { token?: string }, phoneNumber: string, email?: string) {
    const sent = await vlens.registerStepVerifyPhone({ phoneNumber });
    const otp = { phoneNumberOtpRequestId: sent.phoneNumberOtpRequestId!, phoneNumberOtp: SANDBOX_OTP };
    const done = await vlens.register({ phoneNumber, password: PASSWORD, ...otp, ...(email ? { email } : {}) });
    session.token = done.accessToken ?? undefined;
    return done;
  }

  /** Waits until the tenant's journal shows a call of the operation that met `fault` (it has reached the sandbox). */
  async function arrived(control: Control, operationId: OperationId, fault: string) {
    for (let attempt = 0; attempt < 500; attempt++) {
      const journal = await control.requests({ operationId });
      if (journal.requests.some((entry) => entry.fault === fault)) return true;
      await sleep(10);
    }
    return false;
  }

  // -- register, then login -----------------------------------------------------------------------
  {
    const key = 'parity-register';
    const session: { token?: string } = {};
    const vlens = client(key, session);
    const phoneNumber = '+201900000101';
    await step('register: the phone is unknown', () => vlens.checkExistenceOfEmailOrPhone({ phoneNumber }));
    const sent = await step('register: StepVerifyPhone sends an OTP', () => vlens.registerStepVerifyPhone({ phoneNumber }));
    await step('register: a wrong OTP is refused', () =>
      vlens.registerStepVerifyPhone({ phoneNumber, phoneNumberOtpRequestId: sent?.phoneNumberOtpRequestId ?? '', phoneNumberOtp: '654321' }),
    );
    await step('register: the sandbox OTP confirms it', () =>
      vlens.registerStepVerifyPhone({ phoneNumber, phoneNumberOtpRequestId: sent?.phoneNumberOtpRequestId ?? '', phoneNumberOtp: SANDBOX_OTP }),
    );
    await step('register: Register', () =>
      vlens.register({ phoneNumber, password: PASSWORD, phoneNumberOtpRequestId: sent?.phoneNumberOtpRequestId ?? '', phoneNumberOtp: SANDBOX_OTP }),
    );
    await step('register: the phone now exists', () => vlens.checkExistenceOfEmailOrPhone({ phoneNumber }));
    await step('register: not twice', () =>
      vlens.register({ phoneNumber, password: PASSWORD, phoneNumberOtpRequestId: sent?.phoneNumberOtpRequestId ?? '', phoneNumberOtp: SANDBOX_OTP }),
    );
    await step('login: phone and password', () => vlens.userLogin({ phoneNumber, password: PASSWORD, imei: '356938035643809' }));
    await step('login: a wrong password', () => vlens.userLogin({ phoneNumber, password: 'not-it', imei: '356938035643809' }));
  }

  // -- front, back, liveness, then the admin's images ----------------------------------------------
  {
    const key = 'parity-verify';
    const session: { token?: string } = {};
    const vlens = client(key, session);
    const control = target.control(key);
    const phoneNumber = '+201900000201';
    await registered(vlens, session, phoneNumber);
    const input = images(10);
    const front = await step('verify: front', () => vlens.scanIdFront({ image: input.idFront }));
    const back = await step('verify: back', () => vlens.scanIdBack({ image: input.idBack, transactionId: front?.transactionId ?? '' }));
    const liveness = await step('verify: liveness', () => vlens.checkLiveness({ faces: input.faces, transactionId: back?.transactionId ?? '' }));
    const transactionId = liveness?.transactionId ?? '';
    await step('verify: the control API keeps the transaction', () => control.transaction(transactionId));
    const again = images(20);
    const whole = await step('verify: the whole flow again, in one call', () => vlens.verifyIdentity(again));

    const admin = client(key, {});
    const adminToken = await step('images: admin login', () => admin.adminLogin({ userNameOrEmailAddress: 'admin', password: 'correct-horse-42' }));
    const asAdmin = client(key, { token: adminToken?.accessToken ?? undefined });
    const names = await step('images: GetUserDigitalIdentityImages', () => asAdmin.getUserDigitalIdentityImages({ emailOrPhoneNumber: phoneNumber }));
    await step(
      'images: GetStepImage gives back the latest first face as sent',
      () => asAdmin.getStepImage({ TransactionId: whole?.transactionId ?? '', FileName: names?.livenessFace01Image ?? '' }),
      (data) => ({ same: data.image === base64(again.faces[0]), length: data.image?.length }),
    );
    await step('images: GetStepImage of a file it does not have', () => asAdmin.getStepImage({ TransactionId: transactionId, FileName: 'user10482_id_front_20240601.jpg' }));
    await step('images: a user token on an admin operation', () => vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: phoneNumber }));
  }

  // -- capture before login, then link ------------------------------------------------------------
  {
    const key = 'parity-link';
    const session: { token?: string } = {};
    const vlens = client(key, session);
    const capture = await step('link: capture before login (key only)', () => vlens.captureBeforeLogin(images(30)));
    const transactionId = (capture && 'transactionId' in capture ? capture.transactionId : null) ?? '';
    await step('link: without a user token', () => vlens.linkTransaction({ transactionId }));
    await registered(vlens, session, '+201900000301');
    await step('link: after login', () => vlens.linkTransaction({ transactionId }));
    await step("link: the transaction is the user's", () => target.control(key).transaction(transactionId));
  }

  // -- forced outcomes by Prefer ------------------------------------------------------------------
  {
    const key = 'parity-prefer';
    const session: { token?: string } = {};
    const vlens = client(key, session);
    await registered(vlens, session, '+201900000401');
    await step('prefer: liveness spoofDetected', () => vlens.verifyIdentity(images(40), { scenarios: { liveness: 'spoofDetected' } }));
    await step('prefer: front cardNotDetected', () => vlens.verifyIdentity(images(50), { scenarios: { front: 'cardNotDetected' } }));
    await step('prefer: 401 tokenExpired', () => vlens.scanIdFront({ image: jpeg(60) }, { scenario: { code: 401, example: 'tokenExpired' } }));
    await step('prefer: 500 internalError', () => vlens.scanIdFront({ image: jpeg(61) }, { scenario: { code: 500, example: 'internalError' } }));
    await http('prefer: preferences separated by a semicolon are refused', 'POST', '/api/DigitalIdentity/verify/id/front', {
      apiKey: key,
      token: session.token,
      body: { image: base64(jpeg(62)) },
      headers: { Prefer: 'code=401; example=tokenExpired' },
    });
    await http('prefer: a misspelt scenario names the ones that exist', 'POST', '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone', {
      apiKey: key,
      body: { email: 'a@example.com' },
      headers: { Prefer: 'example=exsts' },
    });
    await http('prefer: the query form', 'POST', '/api/DigitalIdentity/verify/id/front?__example=qualityTooLow', {
      apiKey: key,
      token: session.token,
      body: { image: base64(jpeg(63)) },
    });
  }

  // -- magic values and the control API's steering ------------------------------------------------
  {
    const key = 'parity-magic';
    const control = target.control(key);
    const spoofer: { token?: string } = {};
    await registered(client(key, spoofer), spoofer, '+201933000501');
    await step('magic: phone code 33 spoofs the liveness', () => client(key, spoofer).verifyIdentity(images(70)));
    const expired: { token?: string } = {};
    await registered(client(key, expired), expired, '+201900000502', 'qa+back.documentExpired@example.test');
    await step('magic: an email tag expires the back', () => client(key, expired).verifyIdentity(images(80)));
    await http('magic: an unknown tag is refused at registration', 'POST', '/api/DigitalIdentity/Register', {
      apiKey: key,
      body: { phoneNumber: '+201900000503', password: PASSWORD, email: 'qa+liveness.spoofy@example.test' },
    });

    const plain: { token?: string } = {};
    const vlens = client(key, plain);
    await registered(vlens, plain, '+201900000504');
    await step('control: queue two amlMatched', () => control.queueOutcome({ operationId: 'verifyLiveness', scenario: 'amlMatched', times: 2 }));
    await step('control: the first flow meets the queue', () => vlens.verifyIdentity(images(90)));
    const front = await step('control: a front for planned outcomes', () => vlens.scanIdFront({ image: jpeg(100) }));
    const transactionId = front?.transactionId ?? '';
    await step("control: plan the transaction's outcomes", () => control.setTransactionOutcomes(transactionId, { back: 'documentExpired' }));
    await step('control: the planned back', () => vlens.scanIdBack({ image: jpeg(101), transactionId }));
    await step('control: an unknown scenario names the valid ones', () =>
      // @ts-expect-error a liveness scenario planned for the back: the sandbox's refusal is what is checked
      control.setTransactionOutcomes(transactionId, { back: 'spoofDetected' }),
    );
    const login = await step('control: login for a refresh', () => vlens.userLogin({ phoneNumber: '+201900000504', password: PASSWORD, imei: '356938035643809' }));
    await step('control: expire the tokens', () => control.expireTokens());
    plain.token = login?.accessToken ?? undefined;
    await step('control: an expired token', () => vlens.scanIdFront({ image: jpeg(102) }));
    const renewed = await step('control: refresh', () => vlens.refreshToken({ refreshToken: login?.refreshToken ?? '' }));
    plain.token = renewed?.accessToken ?? undefined;
    await step('control: the refreshed token works', () => vlens.scanIdFront({ image: jpeg(103) }));
    await step('control: the journal', () => control.requests({ limit: 4 }), journalView);
  }

  // -- the control API over HTTP: every route, and its refusals --------------------------------------
  {
    const key = 'parity-control';
    await http('control: health needs no key', 'GET', '/__vlens/health');
    await http('control: the catalog', 'GET', '/__vlens/scenarios', { apiKey: key });
    await http('control: no key, no tenant', 'GET', '/__vlens/scenarios');
    await http('control: a path it does not have', 'GET', '/__vlens/nothing', { apiKey: key });
    await http('control: a method a path does not take', 'DELETE', '/__vlens/reset', { apiKey: key });
    await http('control: an unknown fault names the valid ones', 'POST', '/__vlens/faults', { apiKey: key, body: { fault: 'timeout' } });
    await http('control: an unknown operation', 'POST', '/__vlens/outcomes', { apiKey: key, body: { operationId: 'verifyLivenes', scenario: 'spoofDetected' } });
    await http('control: a body that is not JSON', 'POST', '/__vlens/outcomes', { apiKey: key, body: '{not json' });
    await http('control: an unknown transaction', 'GET', '/__vlens/transactions/6f0c1f5e-0d2b-4c1e-9a57-1d1b0f6e2a10', { apiKey: key });
    const captured = await http('control: a key-only front to look at', 'POST', '/v1/ocr/id/front', { apiKey: key, body: { image: base64(jpeg(120)) } });
    const captureId = String(captured?.body?.data?.transaction_id ?? 'none');
    await http('control: the transaction, upper case', 'GET', `/__vlens/transactions/${captureId.toUpperCase()}`, { apiKey: key });
    await http('control: plan its outcomes', 'PUT', `/__vlens/transactions/${captureId}/outcomes`, { apiKey: key, body: { liveness: 'amlMatched' } });
    await http('control: an outcome of no step', 'PUT', `/__vlens/transactions/${captureId}/outcomes`, { apiKey: key, body: { selfie: 'verified' } });
    await http('control: a limit out of range', 'GET', '/__vlens/requests?limit=-1', { apiKey: key });
    await http('control: queue', 'POST', '/__vlens/outcomes', { apiKey: key, body: { operationId: 'verifyIdFront', scenario: 'fakeDocument' } });
    await http('control: arm a fault', 'POST', '/__vlens/faults', { apiKey: key, body: { operationId: 'verifyIdBack', fault: 'delay', delayMs: 10 } });
    await http('control: expire tokens', 'POST', '/__vlens/tokens/expire', { apiKey: key });
    const journal = await http('control: the journal', 'GET', '/__vlens/requests?limit=2', { apiKey: key });
    if (journal) record[record.length - 1] = ['control: the journal', { ...journal, body: journalView(journal.body) }];
    await http('control: reset', 'POST', '/__vlens/reset', { apiKey: key });
    await http('control: an API path it does not have', 'GET', '/api/Nothing', { apiKey: key });
    await http('control: an API method a path does not take', 'GET', '/api/DigitalIdentity/Register', { apiKey: key });
    await http('control: no ApiKey', 'POST', '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone', { body: { email: 'a@example.com' } });
  }

  // -- faults -------------------------------------------------------------------------------------
  {
    const key = 'parity-faults';
    const control = target.control(key);
    const vlens = client(key);
    const ask = (signal?: AbortSignal) => vlens.checkExistenceOfEmailOrPhone({ email: 'a@example.com' }, { signal });
    for (const fault of ['delay', 'reset', 'html502', 'truncated'] as const) {
      await step(`faults: arm ${fault}`, () => control.addFault({ operationId: 'checkExistenceOfEmailOrPhone', fault, delayMs: 20 }));
      await step(`faults: ${fault}`, () => ask());
    }
    await step('faults: then answers again', () => ask());

    await step('faults: arm hang', () => control.addFault({ operationId: 'checkExistenceOfEmailOrPhone', fault: 'hang' }));
    const hung = ask().then(
      (value) => ({ ok: value }),
      (error) => ({ error: errorView(error) }),
    );
    note('faults: the hung call reached the sandbox', await arrived(control, 'checkExistenceOfEmailOrPhone', 'hang'));
    await step('faults: reset ends the hang', () => control.reset());
    note('faults: the hung call', await hung);

    await step('faults: arm hang again', () => control.addFault({ operationId: 'checkExistenceOfEmailOrPhone', fault: 'hang' }));
    const caller = new AbortController();
    const abandoned = ask(caller.signal).then(
      (value) => ({ ok: value }),
      (error) => ({ error: errorView(error) }),
    );
    note('faults: the call to abandon reached the sandbox', await arrived(control, 'checkExistenceOfEmailOrPhone', 'hang'));
    caller.abort();
    note("faults: the caller's signal ends it", await abandoned);
    await step('faults: the journal', () => control.requests({ operationId: 'checkExistenceOfEmailOrPhone' }), journalView);
    await step('faults: reset', () => control.reset());
  }

  // -- reset and tenant isolation ------------------------------------------------------------------
  {
    const mine = 'parity-tenant-a';
    const theirs = 'parity-tenant-b';
    const session: { token?: string } = {};
    const vlens = client(mine, session);
    await registered(vlens, session, '+201900000601');
    const front = await step('tenants: a front in tenant A', () => vlens.scanIdFront({ image: jpeg(110) }));
    const transactionId = front?.transactionId ?? '';
    const other: { token?: string } = {};
    const them = client(theirs, other);
    await step("tenants: B does not know A's user", () => them.checkExistenceOfEmailOrPhone({ phoneNumber: '+201900000601' }));
    await step("tenants: B's control does not see A's transaction", () => target.control(theirs).transaction(transactionId));
    await registered(them, other, '+201900000601');
    await step("tenants: B's back of that id starts B's own transaction", () => them.scanIdBack({ image: jpeg(111), transactionId }));
    await step(
      "tenants: B's transaction has the back only",
      () => target.control(theirs).transaction(transactionId),
      (view) => view.steps.map((recorded) => recorded.step),
    );
    await step(
      "tenants: A's transaction has the front only",
      () => target.control(mine).transaction(transactionId),
      (view) => view.steps.map((recorded) => recorded.step),
    );
    await step('tenants: A resets', () => target.control(mine).reset());
    await step("reset: A's user is gone", () => vlens.checkExistenceOfEmailOrPhone({ phoneNumber: '+201900000601' }));
    await step("reset: A's transaction is gone", () => target.control(mine).transaction(transactionId));
    await step("reset: A's journal starts again", () => target.control(mine).requests(), journalView);
    await step('reset: B is untouched', () => them.checkExistenceOfEmailOrPhone({ phoneNumber: '+201900000601' }));
  }

  return normalise(record);
}

/** The journal as every host can show it: without the request headers (each runtime sends its own), times and durations. */
export function journalView(journal: any): unknown {
  if (!journal || !Array.isArray(journal.requests)) return journal;
  return { ...journal, requests: journal.requests.map(({ headers: _headers, ms: _ms, ...entry }: Record<string, unknown>) => entry) };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const JWT = /^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$/;
const REFRESH = /^rt_[A-Za-z0-9_-]+$/;
const FILE_DIGEST = /_([0-9a-f]{8})(\.jpg)$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Ids, tokens and times as placeholders numbered by first appearance (`<uuid 3>`, `<token 2>`), so two
 * records compare equal when the same ids stand in the same places, whatever their random values.
 * @param value what to normalise
 * @param seen the numbering so far, shared over one record
 */
export function normalise<T>(value: T, seen = new Map<string, string>()): T {
  const name = (kind: string, raw: string) => {
    const key = `${kind}:${raw.toLowerCase()}`;
    let placeholder = seen.get(key);
    if (!placeholder) seen.set(key, (placeholder = `<${kind} ${[...seen.keys()].filter((known) => known.startsWith(`${kind}:`)).length + 1}>`));
    return placeholder;
  };
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') {
      if (JWT.test(item)) return name('token', item);
      if (REFRESH.test(item)) return name('refresh', item);
      if (TIME.test(item)) return '<time>';
      // Stored image file names end in a digest of their transaction id.
      return item.replace(UUID, (uuid) => name('uuid', uuid)).replace(FILE_DIGEST, (_, digest: string, extension: string) => `_${name('file', digest)}${extension}`);
    }
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object') {
      // Any member named as a token (encryptedAccessToken is opaque base64) holds a random value.
      return Object.fromEntries(
        Object.entries(item).map(([key, inner]) => [
          key,
          typeof inner === 'string' && /token$/i.test(key) && inner !== '' && !JWT.test(inner) && !REFRESH.test(inner) ? name('opaque', inner) : walk(inner),
        ]),
      );
    }
    return item;
  };
  return walk(value) as T;
}
