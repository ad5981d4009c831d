// Checks answers against the schema the description declares for their operation and status, as
// `prism mock --errors` does with Prism's own validator: the same JSON Schema dialect (2020-12, what
// OpenAPI 3.1 says), the same options, formats and lenient date-time. Each schema is compiled the first
// time an answer of that status is checked. Used where an answer was not checked ahead of time: a
// generated one, or a named example of a description given at run time.
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { escapePointer, resolveRef } from '../model/describe.js';
import { formats } from '../front/patterns.js';

/** @import { OperationModel, Violation } from '../types.js' */

// Prism accepts a date-time without a zone (its validators/dateTime.js); the vendor's OCR answers
// carry such dates.
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:[Zz]|[+-]\d\d(?::?\d\d)?)?$/;

/** @param {string} text */
function isDateTime(text) {
  const match = DATE_TIME.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const lastDay = new Date(Date.UTC(/** @type {number} */ (year), /** @type {number} */ (month), 0)).getUTCDate();
  return (
    /** @type {number} */ (month) >= 1 &&
    /** @type {number} */ (month) <= 12 &&
    /** @type {number} */ (day) >= 1 &&
    /** @type {number} */ (day) <= lastDay &&
    /** @type {number} */ (hour) <= 23 &&
    /** @type {number} */ (minute) <= 59 &&
    /** @type {number} */ (second) <= 60
  );
}

/**
 * `violations(operation, status, body)`: `[{ field, message }]`, empty when the body matches; `field`
 * is the dotted path of the member at fault (`null` for the body itself).
 * @param {Record<string, any>} document
 */
export function createResponseValidator(document) {
  const ajv = new Ajv2020.default({ allErrors: true, allowUnionTypes: true, allowMatchingProperties: true, strict: false, validateSchema: false, logger: false });
  addFormats.default(ajv);
  ajv.addFormat('date-time', isDateTime);
  ajv.addFormat('int32', formats.int32);
  ajv.addFormat('int64', formats.int64);
  ajv.addFormat('password', formats.password);
  ajv.addSchema(document, 'description');
  /** @type {Map<string, import('ajv').ValidateFunction>} */
  const compiled = new Map();
  /** @param {string} pointer */
  const validatorFor = (pointer) => {
    let validate = compiled.get(pointer);
    if (!validate) compiled.set(pointer, (validate = ajv.compile({ $ref: `description${pointer}` })));
    return validate;
  };
  return {
    /**
     * @param {OperationModel} operation
     * @param {number} status
     * @param {unknown} body
     * @returns {Violation[]}
     */
    violations(operation, status, body) {
      if (!operation.statuses.includes(status)) return [{ field: null, message: `${operation.id} declares no ${status} answer` }];
      const pointer = schemaPointer(document, operation, status);
      if (!pointer) return [];
      const validate = validatorFor(pointer);
      if (validate(body)) return [];
      return (validate.errors ?? []).map((error) => {
        const field =
          error.instancePath
            .split('/')
            .slice(1)
            .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
            .join('.') || null;
        return { field, message: `${field ?? '(body)'} ${error.message}` };
      });
    },
  };
}

/**
 * JSON pointer to the schema answers of `status` must match, or null when it declares none.
 * @param {Record<string, any>} document
 * @param {OperationModel} operation
 * @param {number} status
 */
function schemaPointer(document, operation, status) {
  const base = `#/paths/${escapePointer(operation.path)}/${operation.method.toLowerCase()}/responses/${status}`;
  const responseOrRef = resolveRef(document, { $ref: base.replace(/\/responses\/\d+$/, '') }).responses?.[String(status)];
  const pointer = responseOrRef?.$ref ?? base;
  const response = resolveRef(document, responseOrRef);
  const [mediaType, media] = Object.entries(response?.content ?? {}).find(([type]) => /[/+]json\b/i.test(type)) ?? [];
  return media?.schema && mediaType ? `${pointer}/content/${escapePointer(mediaType)}/schema` : null;
}

/** @typedef {ReturnType<typeof createResponseValidator>} ResponseValidator */
