// Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) over the bundled description, so any schema
// in it can be compiled by its JSON pointer with every local $ref resolved.
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { loadBundle } from '../../scripts/lib/description.mjs';

const DOCUMENT_ID = 'https://vlens-digital-identity.local/openapi.json';

export const pointer = (...segments: string[]): string => `#/${segments.map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

export function createDescriptionAjv(doc: unknown = loadBundle()) {
  // OpenAPI documents are not schemas: strict mode would reject their non-schema keywords.
  // CommonJS modules: their default export is `module.exports`, the class and the plugin are its `default`.
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  // OpenAPI's own `format` values without a JSON Schema meaning.
  ajv.addFormat('password', true);
  ajv.addFormat('int32', true);
  ajv.addSchema(doc as object, DOCUMENT_ID);
  return {
    ajv,
    validatorAt(schemaPointer: string) {
      return ajv.compile({ $ref: `${DOCUMENT_ID}${schemaPointer}` });
    },
  };
}
