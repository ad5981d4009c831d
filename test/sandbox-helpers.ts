// Shared by the sandbox's suites: real flows over HTTP against a running mock (registration with the
// sandbox OTP, login, the three capture steps, link, the admin image calls) and distinct test images.
import { createHash, randomUUID } from 'node:crypto';

export const OTP = '123456';

export interface Caller {
  url: string;
  apiKey: string;
}

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** One call: JSON in, JSON out (the body is undefined when the answer is not JSON). */
export async function call(
  { url, apiKey }: Caller,
  method: string,
  path: string,
  { body, token, headers = {}, query }: { body?: unknown; token?: string; headers?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<Answer> {
  const target = new URL(path, url);
  for (const [name, value] of Object.entries(query ?? {})) target.searchParams.set(name, value);
  const sent: Record<string, string> = { ApiKey: apiKey, ...headers };
  if (token) sent.Authorization = `Bearer ${token}`;
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  const response = await fetch(target, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** A JPEG-looking image of `bytes` bytes, different for every seed, as base64. */
export function image(seed: number | string, bytes = 600): string {
  const buffer = Buffer.alloc(bytes);
  const digest = createHash('sha256').update(String(seed)).digest();
  for (let index = 0; index < bytes; index++) buffer[index] = digest[index % digest.length]! ^ (index & 0xff);
  buffer[0] = 0xff;
  buffer[1] = 0xd8;
  buffer[2] = 0xff;
  return buffer.toString('base64');
}

export const sha256Of = (base64: string) => createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');

/** A phone number no real subscriber has: +20 19 <code> <six digits>, the sandbox's magic range. */
export function testPhone(code = '00'): string {
  return `+2019${code}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
}

export const PATHS = {
  front: '/api/DigitalIdentity/verify/id/front',
  back: '/api/DigitalIdentity/verify/id/back',
  liveness: '/api/DigitalIdentity/verify/liveness/multi',
  link: '/api/DigitalIdentity/LinkUserWithExistingTransaction',
  images: '/api/DigitalIdentity/GetUserDigitalIdentityImages',
  stepImage: '/api/DigitalIdentity/GetStepImage',
  adminLogin: '/api/credentials/Login',
  refresh: '/api/credentials/RefreshToken',
  login: '/api/DigitalIdentity/Login',
  exists: '/api/DigitalIdentity/CheckExistenceOfEmailOrPhone',
  verifyPhone: '/api/DigitalIdentity/Register/StepVerifyPhone',
  verifyEmail: '/api/DigitalIdentity/Register/StepVerifyEmail',
  register: '/api/DigitalIdentity/Register',
  ocrFront: '/v1/ocr/id/front',
  ocrBack: '/v1/ocr/id/back',
  ocrLiveness: '/v1/ocr/liveness/multi',
  transaction: '/api/Transactions/GetTransactionById',
  cancel: '/api/DigitalIdentity/CancelVerifiedDigitalIdentity',
  cancelForAdmin: '/api/DigitalIdentity/CancelVerifiedDigitalIdentityForAdmin',
  oAuthRegister: '/api/DigitalIdentity/Register/StepVerifyOAuthToken',
} as const;

export interface RegisteredUser {
  phoneNumber: string;
  email?: string;
  password: string;
  token: string;
  userId: number;
}

/** StepVerifyPhone (send), then Register with its request id and the sandbox OTP. */
export async function register(
  caller: Caller,
  { phoneNumber = testPhone(), email, password = 'S3cure!pass' }: { phoneNumber?: string; email?: string; password?: string } = {},
): Promise<RegisteredUser> {
  const sent = await call(caller, 'POST', PATHS.verifyPhone, { body: { phoneNumber } });
  if (sent.status !== 200) throw new Error(`StepVerifyPhone answered ${sent.status}: ${sent.text}`);
  const body: Record<string, unknown> = { phoneNumber, password, phoneNumberOtpRequestId: sent.body.data.phoneNumberOtpRequestId, phoneNumberOtp: OTP };
  if (email) body.email = email;
  const registered = await call(caller, 'POST', PATHS.register, { body });
  if (registered.status !== 200 || registered.body.error_code) throw new Error(`Register answered ${registered.status}: ${registered.text}`);
  return { phoneNumber, email, password, token: registered.body.data.accessToken, userId: registered.body.data.user.id };
}

export async function login(caller: Caller, user: { phoneNumber: string; password: string }): Promise<Answer> {
  return call(caller, 'POST', PATHS.login, { body: { phoneNumber: user.phoneNumber, password: user.password, imei: '356938035643809' } });
}

export interface Capture {
  transactionId: string;
  front: Answer;
  back: Answer;
  liveness: Answer;
  images: { front: string; back: string; faces: [string, string, string] };
}

/** Front, back and liveness on one transaction; `transactionId` is sent on the front when given. */
export async function capture(caller: Caller, token: string | undefined, { transactionId, seed = randomUUID() }: { transactionId?: string; seed?: string } = {}): Promise<Capture> {
  const images = { front: image(`${seed}-front`), back: image(`${seed}-back`), faces: [image(`${seed}-1`), image(`${seed}-2`), image(`${seed}-3`)] as [string, string, string] };
  const front = await call(caller, 'POST', PATHS.front, {
    token,
    body: { image: images.front, ...(transactionId ? { transaction_id: transactionId } : {}), getExtractedData: true },
  });
  const id = front.body?.data?.idFrontData?.transaction_id ?? transactionId;
  const back = await call(caller, 'POST', PATHS.back, { token, body: { image: images.back, transaction_id: id } });
  const [face_1, face_2, face_3] = images.faces;
  const liveness = await call(caller, 'POST', PATHS.liveness, { token, body: { face_1, face_2, face_3, transaction_id: id } });
  return { transactionId: id, front, back, liveness, images };
}
