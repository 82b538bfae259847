/** SQL text the library writes itself (Postgres): quoted identifiers and table names. */

/** `"name"`, with quotes inside doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`, or `"table"` without a schema. */
export function qualifiedTable(table: string, schema?: string | null): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table);
}
