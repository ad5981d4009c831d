// Validates request bodies and parameters against the description's own schemas (JSON Schema 2020-12,
// as OpenAPI 3.1 says) and turns the violations into the vendor's field errors.
//
// The mock does this itself rather than through Prism because Prism's validation dominates a
// 2 MB liveness request: it counts every image character one by one for maxLength, runs the base64
// pattern over every character, and serializes the whole body for a debug log line even when logging
// is off. Here the keywords that touch the long image strings are answered by native code or in O(1)
// when they can be (see base64Matcher and lengthKeywords), with the same results as the schema's.

const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';
const LAST_GROUP = /^(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;

// Decoding target of the check below, grown to the longest image seen (at most the 3 MB ceiling).
let scratch = Buffer.alloc(0);

/**
 * Same answer as the Base64Image pattern (checked against it in the tests), ten times faster on a
 * 500 KB image of real (random-looking) data, and without making a copy of it. Node's decoder skips
 * what is not in the base64 alphabets (whitespace, anything else) and also takes the URL-safe "-" and
 * "_": whole unpadded groups decode to exactly three bytes per four characters when every character is
 * in the standard alphabet and neither of those two occurs. The last group, which may be padded, is
 * checked by a small pattern.
 */
export const base64Matcher = {
  test(text) {
    if (text.length % 4 !== 0) return false;
    if (text.length === 0) return true;
    const whole = text.slice(0, -4);
    // "=" only pads the last group; elsewhere the decoder would stop at it.
    if (!LAST_GROUP.test(text.slice(-4)) || whole.includes('=') || whole.includes('-') || whole.includes('_')) return false;
    const expected = (whole.length / 4) * 3;
    if (scratch.length < expected) scratch = Buffer.alloc(expected);
    // Only ASCII text is base64 (the decoder would read a wider character by its low byte alone).
    return Buffer.byteLength(whole, 'utf8') === whole.length && scratch.write(whole, 0, expected, 'base64') === expected;
  },
};

export function fastRegExp(pattern, flags) {
  return pattern === BASE64_PATTERN ? base64Matcher : new RegExp(pattern, flags);
}
fastRegExp.code = 'fastRegExp';

/** JSON Schema counts characters as code points; a UTF-16 length decides without counting in most cases. */
export function codePointLength(text) {
  let surrogatePairs = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        surrogatePairs++;
        index++;
      }
    }
  }
  return text.length - surrogatePairs;
}

function lengthKeywords(ajv) {
  ajv.removeKeyword('maxLength');
  ajv.removeKeyword('minLength');
  const define = (keyword, fits) => {
    function validate(limit, text, parentSchema) {
      if (fits(text, limit)) return true;
      const message = `must NOT have ${keyword === 'maxLength' ? 'more' : 'fewer'} than ${limit} characters`;
      validate.errors = [{ keyword, params: { limit }, message, parentSchema }];
      return false;
    }
    ajv.addKeyword({ keyword, type: 'string', schemaType: 'number', errors: true, validate });
  };
  // A code point is one or two UTF-16 units, so the UTF-16 length bounds the count from both sides.
  define('maxLength', (text, limit) => text.length <= limit || codePointLength(text) <= limit);
  define('minLength', (text, limit) => text.length >= 2 * limit || codePointLength(text) >= limit);
}

/** Ajv (JSON Schema 2020-12) from Prism's tree, with the formats and fast keywords above. */
export function createAjv(prism, options = {}) {
  const ajv = new prism.Ajv2020({
    allErrors: true,
    strict: false,
    validateSchema: false,
    // parentSchema tells an image (contentEncoding: base64) from any other string.
    verbose: true,
    code: { regExp: fastRegExp },
    ...options,
  });
  prism.addFormats(ajv);
  // OpenAPI's own formats: int32 bounds an integer, password only tells tools to hide the value.
  ajv.addFormat('int32', { type: 'number', validate: (value) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 });
  ajv.addFormat('password', true);
  lengthKeywords(ajv);
  return ajv;
}

const LOCATIONS = { query: 'query parameter', header: 'header' };

/**
 * Compiles, per operation, a validator for the JSON body and one per parameter location. Header names
 * are matched without regard to case, as HTTP says; answers name them as the description spells them.
 */
export function createValidators(prism, description) {
  const bodies = createAjv(prism);
  // Query and header values are text; "1024" is an integer the way Prism (and ASP.NET binding) read it.
  const parameters = createAjv(prism, { coerceTypes: true });
  bodies.addSchema(description.document, 'description');
  parameters.addSchema(description.document, 'description');
  const compiled = new Map();
  for (const operation of description.operations) {
    const body = operation.bodySchemaPointer ? bodies.compile({ $ref: `description${operation.bodySchemaPointer}` }) : null;
    const locations = Object.keys(LOCATIONS).map((location) => {
      const declared = operation.parameters.filter((parameter) => parameter.in === location);
      const key = (name) => (location === 'header' ? name.toLowerCase() : name);
      const validate = parameters.compile({
        type: 'object',
        properties: Object.fromEntries(declared.map((parameter) => [key(parameter.name), { $ref: `description${parameter.schemaPointer}` }])),
        required: declared.filter((parameter) => parameter.required).map((parameter) => key(parameter.name)),
      });
      return { location, declared, key, validate };
    });
    compiled.set(operation.id, { body, locations });
  }
  return {
    body(operation, value) {
      const validate = compiled.get(operation.id).body;
      if (!validate || validate(value)) return [];
      return describeViolations(validate.errors, operation, (field) => (field === 'body' ? 'The request body' : `The ${field} field`));
    },
    parameters(operation, headers, query) {
      const violations = [];
      for (const { location, declared, key, validate } of compiled.get(operation.id).locations) {
        if (declared.length === 0) continue;
        const source = location === 'header' ? headers : query;
        // Only declared parameters are looked at (copied, since coercion writes into the object).
        const values = {};
        for (const parameter of declared) if (source[key(parameter.name)] !== undefined) values[key(parameter.name)] = source[key(parameter.name)];
        if (validate(values)) continue;
        const spelled = new Map(declared.map((parameter) => [key(parameter.name), parameter.name]));
        const errors = validate.errors.map((error) => renameField(error, spelled));
        violations.push(...describeViolations(errors, operation, (field) => `The ${field} ${LOCATIONS[location]}`));
      }
      return violations;
    },
  };
}

function renameField(error, spelled) {
  const renamed = { ...error, params: { ...error.params } };
  if (error.keyword === 'required') renamed.params.missingProperty = spelled.get(error.params.missingProperty) ?? error.params.missingProperty;
  renamed.instancePath = error.instancePath.replace(/^\/([^/]+)/, (whole, name) => `/${spelled.get(name) ?? name}`);
  return renamed;
}

const MAX_FIELD_ERRORS = 20;
const MAX_FIELD_NAME = 80;

/**
 * One field error per field: Ajv reports every failed branch of a oneOf (for `transaction_id: 5`:
 * "must be string", "must be null", "must match exactly one schema"), a user wants one sentence.
 */
export function describeViolations(errors, operation, nameOf) {
  const byField = new Map();
  for (const error of errors) {
    const field = fieldOf(error);
    if (!byField.has(field)) byField.set(field, []);
    byField.get(field).push(error);
  }
  const violations = [];
  for (const [field, fieldErrors] of byField) {
    violations.push(...describeField(field, fieldErrors, operation, nameOf(field)));
    if (violations.length >= MAX_FIELD_ERRORS) break;
  }
  return violations.slice(0, MAX_FIELD_ERRORS);
}

function fieldOf(error) {
  const segments = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') segments.push(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') segments.push(error.params.additionalProperty);
  const field = segments.join('.') || 'body';
  return field.length > MAX_FIELD_NAME ? `${field.slice(0, MAX_FIELD_NAME)}…` : field;
}

function describeField(field, errors, operation, the) {
  const formatFailed = errors.some((error) => error.keyword === 'format');
  const concrete = errors
    .filter((error) => !['oneOf', 'anyOf', 'allOf', 'if', 'not'].includes(error.keyword))
    // "must be a valid uuid" says more than the uuid pattern that fails with it.
    .filter((error) => !(formatFailed && error.keyword === 'pattern'));
  const branchesFailedOnType = concrete.length > 0 && concrete.every((error) => error.keyword === 'type');
  if (branchesFailedOnType) {
    const types = [...new Set(concrete.flatMap((error) => [error.params.type].flat()))];
    const expected = types.map((type) => (type === 'null' ? 'null' : `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`)).join(' or ');
    return [{ field, message: field === 'body' && types.includes('object') ? `${the} must be a JSON object.` : `${the} must be ${expected}.`, kind: 'type' }];
  }
  const described = [];
  const seen = new Set();
  for (const error of concrete.filter((candidate) => candidate.keyword !== 'type')) {
    const message = messageFor(the, field, error);
    if (seen.has(message)) continue;
    seen.add(message);
    described.push({ field, message, kind: kindOf(error, operation) });
  }
  if (described.length === 0) described.push({ field, message: `${the} is not valid.`, kind: 'invalid' });
  return described;
}

const isImage = (error) => error.parentSchema?.contentEncoding === 'base64';

function kindOf(error, operation) {
  if (error.keyword === 'pattern' && error.params.pattern === BASE64_PATTERN) return 'base64';
  if (error.keyword === 'minLength' && isImage(error)) return 'base64';
  if (error.keyword === 'maxLength' && isImage(error) && operation.statuses.has(413)) return 'imageTooLarge';
  return error.keyword;
}

const characters = (count) => `${count} character${count === 1 ? '' : 's'}`;

function messageFor(the, field, error) {
  switch (error.keyword) {
    case 'required':
      return `${the} is required.`;
    case 'additionalProperties':
      return `${the} is not accepted by this operation.`;
    case 'pattern':
      return error.params.pattern === BASE64_PATTERN
        ? 'Please provide a valid base64 encoded image.'
        : `${the} is not in the expected format.`;
    case 'format':
      return `${the} must be a valid ${error.params.format === 'uuid' ? 'UUID' : error.params.format}.`;
    case 'maxLength':
      return isImage(error)
        ? `${the} is larger than the image ceiling (${error.params.limit} base64 characters, 3 MB).`
        : `${the} must be at most ${characters(error.params.limit)} long.`;
    case 'minLength':
      if (isImage(error)) return 'Please provide a valid base64 encoded image.';
      return `${the} must be at least ${characters(error.params.limit)} long.`;
    case 'enum':
      return `${the} must be one of: ${error.params.allowedValues.join(', ')}.`;
    case 'const':
      return `${the} must be ${JSON.stringify(error.params.allowedValue)}.`;
    default:
      return `${the} ${error.message}.`;
  }
}
