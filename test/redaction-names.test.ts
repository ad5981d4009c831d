// Names the journal and the proxy's recordings judge a value by: an error code is not a secret (the
// proxy once replaced every `error_code` it recorded, so the sandbox served recordings with wrong
// codes), and device and place identifiers are personal data in the journal as in recordings.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createScrubber } from '../mocks/proxy/scrub.js';
import { createSandbox } from '../mocks/sandbox.js';
import { isCredentialName } from '../mocks/store/redact.js';

describe('a name with code in it', () => {
  it('is a secret when the code is one (an OTP, an OAuth code), not when it names a kind of code', () => {
    for (const name of ['code', 'otpCode', 'authCode', 'verification_code', 'X-Code', 'phoneNumberOtp']) expect(isCredentialName(name), name).toBe(true);
    for (const name of ['error_code', 'errorCode', 'ErrorCode', 'statusCode', 'status_code', 'countryCode', 'governorate_code']) expect(isCredentialName(name), name).toBe(false);
  });

  it("a proxy recording keeps the vendor envelope's error_code as sent, success code 0 included", () => {
    const scrubber = createScrubber();
    for (const [status, code] of [
      [400, 400],
      [415, 415],
      [200, 0],
      [200, 3011],
    ]) {
      const masked: { pointer: string }[] = [];
      const envelope = { data: status === 200 ? { image: null } : null, error_code: code, error_message: 'x', error_descriptions: null };
      const kept = scrubber.json(envelope, '/response/body', masked as never, []) as typeof envelope;
      expect(kept.error_code, `error_code ${code}`).toBe(code);
      expect(masked.map((entry) => entry.pointer)).not.toContain('/response/body/error_code');
    }
    expect(scrubber.seen('error_code', 400)).toBe('number 400');
  });
});

describe('the journal', () => {
  it("masks a login's IMEI and coordinates, as it masks the phone number", async () => {
    const sandbox = createSandbox();
    const apiKey = `names-${randomUUID()}`;
    const base = 'https://api.vlenseg.com';
    const imei = '490154203237518';
    const geoLocation = { latitude: 29.979123, longitude: 31.134201 };
    await sandbox.handle(
      new Request(`${base}/api/DigitalIdentity/Login`, {
        method: 'POST',
        headers: { ApiKey: apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify({ phoneNumber: '+201001234567', password: 'S3cure!pass', imei, geoLocation }),
      }),
    );
    const journal = await (await sandbox.handle(new Request(`${base}/__vlens/requests`, { headers: { ApiKey: apiKey } }))).text();
    expect(journal).toContain('"operationId":"userLogin"');
    for (const value of [imei, '29.979123', '31.134201', '1234567']) expect(journal, value).not.toContain(value);
  });
});
