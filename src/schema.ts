// `vlens-digital-identity/schema`: everything generated from the description. The types
// openapi-typescript wrote, and the catalogues as typed constants: error codes, mock scenarios
// per operation, and the method, path and token of every operation.
export type { $defs, components, operations, paths, webhooks } from "../generated/schema.js";
export { errorCodes } from "../generated/error-codes.js";
export { scenarios } from "../generated/scenarios.js";
export { operationTable, type OperationId } from "../generated/operations.js";
export { imageBase64MaxLength, imageBase64MinLength, transactionIdPattern } from "../generated/limits.js";
export { lookupErrorCode, type ErrorCodeEntry, type KnownErrorCode } from "./catalogue.js";
