// Asking the mock (Prism) for one of the named examples of the description. The names are types
// generated from the description, so a misspelt scenario does not compile.
import type { scenarios } from "../generated/scenarios.js";
import type { OperationId } from "./types.js";

type Table = typeof scenarios;
type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206;
type NamesOf<List> = List extends readonly (infer Name)[] ? Name : never;

/** The scenario names an operation has, for one HTTP status or all of them. */
export type ScenarioName<Op extends OperationId, Status extends keyof Table[Op] = keyof Table[Op]> = NamesOf<Table[Op][Status]>;

/**
 * A mock scenario of an operation: a 2xx example by name (`"cardNotDetected"`), or any example
 * with its status (`{ code: 401, example: "tokenExpired" }`).
 */
export type Scenario<Op extends OperationId> = Op extends OperationId
  ? ScenarioName<Op, Extract<keyof Table[Op], SuccessStatus>> | { [Status in keyof Table[Op]]: { code: Status; example: NamesOf<Table[Op][Status]> } }[keyof Table[Op]]
  : never;

/** The `Prefer` header value Prism understands for a scenario. */
export function preferHeader(scenario: string | { code: number | string; example: string }): string {
  return typeof scenario === "string" ? `example=${scenario}` : `code=${scenario.code}, example=${scenario.example}`;
}

/** Headers that ask the mock for a scenario of an operation, for calls made through `vlens.api`. */
export function scenarioHeaders<Op extends OperationId>(operation: Op, scenario: Scenario<Op>): { Prefer: string } {
  void operation;
  return { Prefer: preferHeader(scenario as string | { code: number; example: string }) };
}
