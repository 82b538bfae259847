/**
 * Keeping secrets out of every message: connection URLs lose their password (in the userinfo and
 * in query parameters such as `?password=`, `sslpassword`, `sslkey`, `sslcert`, `api_key`,
 * `token`), and free text has any URL in it treated the same way. Every error or log line of
 * this library that may quote a URL or a driver's message goes through here.
 */

const SECRET_PARAM = /^(password|pass|pwd|sslpassword|sslkey|sslcert|sslrootcert|api[_-]?key|apikey|token|access[_-]?token|secret)$/i;

/** The URL with its password and secret-bearing query parameters replaced by `***`. Not a URL: returned with `key=value` secrets masked. */
export function redactUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return redactText(text);
  }
  if (u.password) u.password = '***';
  for (const key of [...u.searchParams.keys()]) if (SECRET_PARAM.test(key)) u.searchParams.set(key, '***');
  return u.toString().replace(/%2A%2A%2A/g, '***');
}

/** Free text (an error message, a log line) with every URL redacted and `password=...` pairs masked. */
export function redactText(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"`<>]+/gi, (url) => {
      try {
        new URL(url);
      } catch {
        return url.replace(/\/\/([^:/@\s]+):[^@/\s]*@/, '//$1:***@');
      }
      return redactUrl(url);
    })
    .replace(/\b(password|pwd|sslpassword|api[_-]?key|token|secret)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi, '$1$2***');
}
