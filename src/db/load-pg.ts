/** `pg` is an optional peer of the package: loaded only where a plain connection is needed (migrations, the dev stack). */
import type * as Pg from 'pg';
import { ConfigError } from '../errors';

export function loadPg(what: string): typeof Pg {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer dependency, loaded on use
    return require('pg') as typeof Pg;
  } catch {
    throw new ConfigError(`${what} needs the \`pg\` package: npm install pg`);
  }
}
