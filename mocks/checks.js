// The request checks the real service makes before it looks at a request's meaning, in the order
// ASP.NET makes them: credentials, content type, size. Each returns field errors (never the value
// that was sent: keys and tokens must not end up in answers or logs) or an empty list.

// RFC 7230 token characters would be stricter; the vendor documents no format for the key, so any
// single run of visible ASCII is accepted and only absent, empty or spaced values are malformed.
const API_KEY = /^[\x21-\x7e]{1,4096}$/;
// RFC 6750 b64token after the Bearer scheme. JWTs fit; the mock does not check signatures or expiry.
const BEARER = /^Bearer +[A-Za-z0-9\-._~+/]+=*$/i;

function checkScheme(scheme, headers) {
  if (scheme.type === 'apiKey' && scheme.in === 'header') {
    const value = headers[scheme.name.toLowerCase()];
    if (value === undefined) return { field: scheme.name, message: `The ${scheme.name} header is missing.` };
    if (!API_KEY.test(value)) return { field: scheme.name, message: `The ${scheme.name} header is malformed: send the key as one run of visible characters.` };
    return null;
  }
  if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer') {
    const value = headers.authorization;
    const wanted = `This operation needs a ${scheme.key ?? 'bearer'} token: send Authorization: Bearer <token>.`;
    if (value === undefined) return { field: 'Authorization', message: `The Authorization header is missing. ${wanted}` };
    if (!BEARER.test(value) || value.length > 16384) return { field: 'Authorization', message: `The Authorization header is malformed. ${wanted}` };
    return null;
  }
  return null;
}

/** The operation's security is a list of alternatives; a request passes when one alternative passes. */
export function checkCredentials(operation, headers) {
  if (operation.security.length === 0) return [];
  let firstFailure = null;
  for (const alternative of operation.security) {
    const problems = alternative.map((scheme) => checkScheme(scheme, headers)).filter(Boolean);
    if (problems.length === 0) return [];
    firstFailure ??= problems;
  }
  return firstFailure;
}

export function bodyIsPresent(request) {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The description declares application/json bodies; JSON sent as anything else is refused like ASP.NET does. */
export function checkContentType(operation, request) {
  if (!operation.hasBody || !bodyIsPresent(request)) return [];
  const header = request.headers['content-type'];
  const expected = operation.bodyMediaTypes.join(' or ');
  if (header === undefined) return [{ field: 'Content-Type', message: `The Content-Type header is missing: send the body as ${expected}.` }];
  const [type, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (!operation.bodyMediaTypes.includes(type)) return [{ field: 'Content-Type', message: `The body must be sent as ${expected}.` }];
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return [{ field: 'Content-Type', message: 'The body must be encoded as UTF-8.' }];
  return [];
}

export function declaredLength(request) {
  const length = request.headers['content-length'];
  return length === undefined ? null : Number(length);
}
