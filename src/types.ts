// Names for the generated types the client works with. Nothing here describes the API's shape:
// every type is looked up in what openapi-typescript generated from the description.
import type { components, operations } from "../generated/schema.js";
import type { OperationId } from "../generated/operations.js";

export type { OperationId };
export type Schemas = components["schemas"];

export type IdFrontData = NonNullable<Schemas["IdFrontData"]>;
export type IdBackData = NonNullable<Schemas["IdBackData"]>;
export type User = NonNullable<Schemas["User"]>;
export type Services = NonNullable<Schemas["Services"]>;
export type VerificationData = NonNullable<Schemas["VerificationData"]>;
export type VerificationResponse = Schemas["VerificationResponse"];
export type AmlRecord = Schemas["AmlRecord"];
export type FieldErrorBody = Schemas["FieldError"];
/** `data` of the key-only captures (`/v1/ocr/*`): the fields read from the card, or the liveness flags, with `transaction_id`. */
export type OcrIdFrontData = NonNullable<Schemas["OcrIdFrontData"]>;
export type OcrIdBackData = NonNullable<Schemas["OcrIdBackData"]>;
export type OcrLivenessData = NonNullable<Schemas["OcrLivenessData"]>;

/** The JSON body an operation takes (`never` when it takes none). */
export type RequestBody<Op extends OperationId> = operations[Op] extends {
  requestBody: { content: { "application/json": infer Body } };
}
  ? Body
  : never;

/** The query parameters an operation takes (`never` when it takes none). */
export type QueryParams<Op extends OperationId> = operations[Op]["parameters"] extends { query: infer Query } ? Query : never;

/** The envelope of an operation's HTTP 200 answer. */
export type SuccessEnvelope<Op extends OperationId> = operations[Op]["responses"][200]["content"]["application/json"];

/** The `data` of an operation's successful answer. */
export type ResultData<Op extends OperationId> = NonNullable<SuccessEnvelope<Op>["data"]>;
