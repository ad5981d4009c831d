// Converts a schema of the bundled OpenAPI 3.1 description (JSON Schema 2020-12 plus OpenAPI
// keywords) into a self-contained JSON Schema draft 7 document: Dredd hands
// `transaction.expected.bodySchema` to Gavel, whose Ajv 6 knows drafts 4 to 7 only and cannot
// follow a $ref into the description. Every keyword is either translated, dropped as an annotation,
// or refused: a constraint this file does not know must never be dropped silently.
import { resolveRef } from '../lib/description.mjs';

/** @import { SchemaObject } from 'ajv' */
/** @import { DescriptionNode } from '../lib/description.mjs' */

export const DRAFT_7 = 'http://json-schema.org/draft-07/schema#';

// Formats Gavel's Ajv 6 validates. Any other format (OpenAPI's `password`, `int32`, ...) is an
// annotation there and would make Ajv 6 throw "unknown format".
const DRAFT_7_FORMATS = new Set([
  'date',
  'time',
  'date-time',
  'uri',
  'uri-reference',
  'uri-template',
  'url',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'regex',
  'uuid',
  'json-pointer',
  'relative-json-pointer',
]);

const ANNOTATIONS = new Set([
  'title',
  'description',
  'summary',
  'examples',
  'example',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
  '$comment',
  'externalDocs',
  'xml',
  'discriminator',
]);

const SAME_IN_DRAFT_7 = new Set([
  'type',
  'enum',
  'const',
  'multipleOf',
  'maximum',
  'minimum',
  'exclusiveMaximum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
]);

const SUBSCHEMA = new Set(['not', 'if', 'then', 'else', 'contains', 'propertyNames', 'additionalProperties']);
const SUBSCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf']);
const SUBSCHEMA_MAP = new Set(['properties', 'patternProperties']);

/**
 * @param {DescriptionNode} doc the parsed bundle
 * @param {DescriptionNode} schema a schema of `doc` (or a `{ $ref }` into it)
 * @returns {SchemaObject} a draft 7 schema with no $ref left
 */
export function toDraft7(doc, schema) {
  const converted = convert(doc, schema, [], '#');
  // A document needs an object to carry $schema: `true` is the empty schema, `false` its negation.
  const object = typeof converted === 'boolean' ? (converted ? {} : { not: {} }) : converted;
  return { $schema: DRAFT_7, ...object };
}

/**
 * @param {DescriptionNode} doc
 * @param {unknown} input a 2020-12 schema: an object or a boolean
 * @param {string[]} refStack the $refs being inlined, outermost first (a cycle cannot be inlined)
 * @param {string} where where `input` is, as a JSON pointer, for errors
 * @returns {SchemaObject | boolean}
 */
function convert(doc, input, refStack, where) {
  if (typeof input === 'boolean') return input;
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new Error(`Not a schema at ${where}: ${JSON.stringify(input)}`);
  }
  const schema = /** @type {DescriptionNode} */ (input);
  if (typeof schema.$ref === 'string') return convertRef(doc, schema, refStack, where);

  /** @type {SchemaObject} */
  const out = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword.startsWith('x-') || ANNOTATIONS.has(keyword)) continue;
    const at = `${where}/${keyword}`;
    if (SAME_IN_DRAFT_7.has(keyword)) out[keyword] = value;
    else if (keyword === 'format') {
      if (DRAFT_7_FORMATS.has(value)) out.format = value;
    } else if (keyword === 'nullable') {
      // OpenAPI 3.0 spelling, accepted in case a 3.0-style schema slips into the description.
      if (value === true) out.nullable = true;
    } else if (SUBSCHEMA.has(keyword)) out[keyword] = convert(doc, value, refStack, at);
    else if (SUBSCHEMA_LIST.has(keyword)) out[keyword] = listOf(value).map((item, index) => convert(doc, item, refStack, `${at}/${index}`));
    else if (SUBSCHEMA_MAP.has(keyword)) out[keyword] = mapValues(value, (item, name) => convert(doc, item, refStack, `${at}/${name}`));
    else if (keyword === 'items') {
      if (Array.isArray(value)) throw new Error(`Draft 4-7 tuple \`items\` is not valid in OpenAPI 3.1 at ${at}`);
      if (!schema.prefixItems) out.items = convert(doc, value, refStack, at);
    } else if (keyword === 'prefixItems') {
      out.items = listOf(value).map((item, index) => convert(doc, item, refStack, `${at}/${index}`));
      if (schema.items !== undefined) out.additionalItems = convert(doc, schema.items, refStack, `${where}/items`);
    } else if (keyword === 'dependentRequired' || keyword === 'dependentSchemas') {
      out.dependencies = { ...out.dependencies };
      for (const [name, dependency] of Object.entries(/** @type {Record<string, unknown>} */ (value))) {
        out.dependencies[name] = keyword === 'dependentRequired' ? dependency : convert(doc, dependency, refStack, `${at}/${name}`);
      }
    } else {
      throw new Error(`No draft 7 translation for the keyword \`${keyword}\` at ${at}`);
    }
  }
  return applyNullable(out);
}

/**
 * @param {DescriptionNode} doc
 * @param {DescriptionNode} schema a schema with a `$ref`
 * @param {string[]} refStack
 * @param {string} where
 * @returns {SchemaObject | boolean}
 */
function convertRef(doc, schema, refStack, where) {
  const { $ref, ...siblings } = schema;
  if (refStack.includes($ref)) throw new Error(`Recursive schema ${[...refStack, $ref].join(' -> ')} cannot be inlined`);
  /** @type {unknown} */
  const target = resolveRef(doc, { $ref });
  if (target === undefined) throw new Error(`Unresolvable $ref ${$ref} at ${where}`);
  const resolved = convert(doc, target, [...refStack, $ref], $ref);
  const constraints = Object.keys(siblings).filter((keyword) => !ANNOTATIONS.has(keyword) && !keyword.startsWith('x-'));
  // In 3.1 a $ref's siblings apply as well; only annotations can be dropped.
  return constraints.length === 0 ? resolved : { allOf: [resolved, convert(doc, siblings, refStack, where)] };
}

/**
 * Turns OpenAPI 3.0's `nullable: true` into a `null` type.
 * @param {SchemaObject} schema
 * @returns {SchemaObject}
 */
function applyNullable(schema) {
  if (!schema.nullable) return schema;
  const { nullable, ...rest } = schema;
  if (typeof rest.type === 'string') rest.type = [rest.type, 'null'];
  else if (Array.isArray(rest.type) && !rest.type.includes('null')) rest.type = [...rest.type, 'null'];
  return rest;
}

/**
 * @param {unknown} value the value of a keyword whose value is a list of schemas
 * @returns {unknown[]}
 */
const listOf = (value) => /** @type {unknown[]} */ (value);

/**
 * @param {Record<string, unknown>} object
 * @param {(value: unknown, key: string) => SchemaObject | boolean} transform
 * @returns {Record<string, SchemaObject | boolean>}
 */
const mapValues = (object, transform) => Object.fromEntries(Object.entries(object).map(([key, value]) => [key, transform(value, key)]));
