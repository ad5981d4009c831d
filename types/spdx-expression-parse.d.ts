// spdx-expression-parse 5 ships no type declarations: what scripts/release/sbom.mjs uses of it.
declare module 'spdx-expression-parse' {
  /** A licence (`plus`: "or any later version", `exception`: a WITH exception) or two joined by AND / OR. */
  type SpdxExpression = { license: string; plus?: true; exception?: string } | { left: SpdxExpression; conjunction: 'and' | 'or'; right: SpdxExpression };
  /** Parses an SPDX licence expression (e.g. `(MIT OR Apache-2.0)`); throws an Error for one that is not valid. */
  function parse(source: string): SpdxExpression;
  export = parse;
}
