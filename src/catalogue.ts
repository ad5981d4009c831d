// Looks codes up in the generated error-code catalogue. The client imports this module lazily, on
// the first failure only: the catalogue is most of the client's weight and a success never needs it.
import { errorCodes } from "../generated/error-codes.js";

type Catalogue = typeof errorCodes;

/** A known `error_code`: an HTTP status number or a Vlens code of the catalogue. */
export type KnownErrorCode = keyof Catalogue;

/** One entry of the error-code catalogue (`x-vlens-error-codes`). */
export type ErrorCodeEntry = { code: number } & Catalogue[KnownErrorCode];

/** The catalogue entry of an `error_code` (or HTTP status), if the catalogue knows it. */
export function lookupErrorCode(code: number | null | undefined): ErrorCodeEntry | undefined {
  const entry = code == null ? undefined : (errorCodes as Record<number, Catalogue[KnownErrorCode]>)[code];
  return entry && { code: code as number, ...entry };
}
