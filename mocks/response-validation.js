// Checks answers against the schema the description declares for their operation and status, as
// `prism mock --errors` does with Prism's own validator: the same JSON Schema dialect (2020-12, what
// OpenAPI 3.1 says), the same options, formats and lenient date-time. Each schema is compiled the first
// time an answer of that status is checked.

// Prism accepts a date-time without a zone (its validators/dateTime.js); the vendor's OCR answers
// carry such dates.
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:[Zz]|[+-]\d\d(?::?\d\d)?)?$/;

function isDateTime(text) {
  const match = DATE_TIME.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= lastDay && hour <= 23 && minute <= 59 && second <= 60;
}

/**
 * `violations(operation, status, body)`: `[{ field, message }]`, empty when the body matches; `field`
 * is the dotted path of the member at fault (`null` for the body itself).
 */
export function createResponseValidator(prism, description) {
  const ajv = new prism.Ajv2020({ allErrors: true, allowUnionTypes: true, allowMatchingProperties: true, strict: false, validateSchema: false, logger: false });
  prism.addFormats(ajv);
  ajv.addFormat('date-time', isDateTime);
  // OpenAPI's own formats: int32 bounds an integer, password only tells tools to hide the value.
  ajv.addFormat('int32', { type: 'number', validate: (value) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 });
  ajv.addFormat('password', true);
  ajv.addSchema(description.document, 'description');
  const compiled = new Map();
  const validatorFor = (pointer) => {
    if (!compiled.has(pointer)) compiled.set(pointer, ajv.compile({ $ref: `description${pointer}` }));
    return compiled.get(pointer);
  };
  return {
    violations(operation, status, body) {
      const response = operation.responses.find((candidate) => candidate.status === status);
      if (!response) return [{ field: null, message: `${operation.id} declares no ${status} answer` }];
      if (!response.schemaPointer) return [];
      const validate = validatorFor(response.schemaPointer);
      if (validate(body)) return [];
      return validate.errors.map((error) => {
        const field = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~')).join('.') || null;
        return { field, message: `${field ?? '(body)'} ${error.message}` };
      });
    },
  };
}
