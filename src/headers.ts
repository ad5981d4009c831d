// The rules for the headers the client sends. A value no HTTP header can carry is refused before
// anything is sent, naming the option or header and never showing the value (fetch would throw
// with the value in its message, and report it as a failed connection). A caller's header
// replaces the client's header of the same name in any letter case: with two spellings of one
// name, fetch sends both values joined by a comma.
import { VlensInputError } from "./errors.js";

// RFC 9110 field-name: a token.
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 field-value as it recommends new values: visible ASCII, spaces and tabs inside. fetch
// would trim spaces at either end (sending something else than was given) and refuses line breaks;
// servers such as Kestrel refuse non-ASCII bytes.
const carried = /^(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?$/;

/** What in `value` no HTTP header can carry, with its position (the character itself is not shown); undefined when nothing. */
export function headerProblem(value: string): string | undefined {
  if (carried.test(value)) return undefined;
  const index = value.search(/[^\t\x20-\x7e]/);
  if (index === -1) return "a space or tab at its start or end";
  const code = value.charCodeAt(index);
  return `${code === 10 || code === 13 ? "a line break" : code > 126 ? "a non-ASCII character" : "a control character"} at position ${index + 1} of ${value.length}`;
}

const cannotCarry = (problem: string) => `the value has ${problem}, which no HTTP header can carry (the value is not shown)`;

/** A value the client sends as a header (the API key, a token an option or a function gave, the tenancy name...), or a VlensInputError naming `field`. */
export function checkHeaderValue(value: unknown, field: string): string {
  if (typeof value !== "string") throw new VlensInputError("invalid-option", field, `expected a string, got ${value === null ? "null" : typeof value}`);
  const problem = headerProblem(value);
  if (problem) throw new VlensInputError("invalid-option", field, cannotCarry(problem));
  return value;
}

/** A header name and value the caller gave, or a VlensInputError naming it (`field` is where it was given). */
export function checkHeader(name: string, value: string, field: string): void {
  // A long name is not shown: it may be a token given in the wrong place (40 characters is where redaction starts).
  if (!headerName.test(name))
    throw new VlensInputError("invalid-header", field, `${name.length < 40 ? JSON.stringify(name) : `a name of ${name.length} characters`} is not a valid header name`);
  const problem = headerProblem(value);
  if (problem) throw new VlensInputError("invalid-header", `${field}.${name}`, cannotCarry(problem));
}

/**
 * The client's headers with the caller's laid over them, each caller header replacing the client's
 * of the same name in any letter case (and the later of two spellings in the caller's own records
 * winning). `given` maps the names the caller set, in lower case, to their values.
 */
export function withCallerHeaders(
  own: Record<string, string>,
  ...callers: (Record<string, unknown> | undefined)[]
): { headers: Record<string, string>; given: Map<string, string> } {
  const headers = { ...own };
  const spelling = new Map(Object.keys(own).map((name) => [name.toLowerCase(), name]));
  const given = new Map<string, string>();
  for (const caller of callers) {
    for (const [name, raw] of Object.entries(caller ?? {})) {
      if (raw == null) continue;
      const value = String(raw);
      checkHeader(name, value, "headers");
      const lower = name.toLowerCase();
      const previous = spelling.get(lower);
      if (previous !== undefined) delete headers[previous];
      headers[name] = value;
      spelling.set(lower, name);
      given.set(lower, value);
    }
  }
  return { headers, given };
}
