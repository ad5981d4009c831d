// Which values of a request are secrets, looked for only when an error is built (never on the way
// out, so a successful call pays nothing): credentials in headers (`ApiKey`, `BundleKey`,
// `Authorization`, any other key or token), and passwords, OTPs and tokens in JSON bodies, by the
// names the description gives them (`password`, `phoneNumberOtp`, `emailOtp`, `refreshToken`,
// `IdToken`...). Image bytes need no list: error texts lose every run that looks like base64.

const secretHeader = /authorization|key|token|secret|password|cookie|otp/i;
const secretMember = /(?:password|otp|token|secret|key)$/i;

/** The values of credential headers; for `Authorization: <scheme> <value>` the value alone too. */
export function headerSecrets(headers: Iterable<[string, string]>): string[] {
  const found: string[] = [];
  for (const [name, value] of headers) {
    if (!value || !secretHeader.test(name)) continue;
    found.push(value);
    const credentials = /^\S+\s+(\S[\s\S]*)$/.exec(value)?.[1];
    if (credentials) found.push(credentials);
  }
  return found;
}

/** The values of members named like secrets, anywhere in a JSON body. */
export function bodySecrets(body: unknown, found: string[] = [], depth = 0): string[] {
  if (typeof body !== "object" || body === null || depth > 8) return found;
  for (const [name, value] of Object.entries(body)) {
    if ((typeof value === "string" || typeof value === "number") && secretMember.test(name)) found.push(String(value));
    else bodySecrets(value, found, depth + 1);
  }
  return found;
}

/** What a request carried that may hold secrets, gathered only when an error is built. */
export interface Carried {
  /** Secrets known already (the client's key and tokens). */
  known?: Iterable<string> | undefined;
  /** The request's headers, or the caller's. */
  headers?: Iterable<[string, string]> | undefined;
  /** The JSON body before it was serialized. */
  body?: unknown;
}

/** Every secret of `carried`: those known, the credential headers' values, the body's secret members. */
export function secretsIn({ known = [], headers = [], body }: Carried): string[] {
  return [...known, ...headerSecrets(headers), ...bodySecrets(body)];
}
