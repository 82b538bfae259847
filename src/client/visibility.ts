/** Visibility (list) queries: quoting values safely, and the clauses this library filters runs by. */

/** A string as a visibility-query literal: `'it''s'` style escapes are not SQL's here, backslashes are. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `A AND B AND ...` of the clauses given (undefined ones left out). */
export function and(...clauses: (string | undefined | false)[]): string {
  return clauses.filter((c): c is string => typeof c === 'string' && c.length > 0).join(' AND ');
}
