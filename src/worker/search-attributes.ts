/** Registers this library's custom search attributes in a namespace (idempotent). */
import type { Client, ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

export async function registerSearchAttributes(connection: ConnectionLike, namespace: string): Promise<string[]> {
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = ALL_SEARCH_ATTRIBUTES.map((k) => k.name).filter((n) => !(n in (existing.customAttributes ?? {})));
  if (missing.length) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((n) => [n, keyword])) });
  }
  return missing;
}

/**
 * Registers the attributes and waits until visibility queries accept them (the namespace cache
 * refreshes every few seconds). Takes a Client or a Connection.
 */
export async function ensureSearchAttributes(clientOrConnection: Client | ConnectionLike, namespace: string, timeoutMs = 30_000): Promise<void> {
  const connection = 'connection' in clientOrConnection ? clientOrConnection.connection : clientOrConnection;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await registerSearchAttributes(connection, namespace);
      await connection.workflowService.countWorkflowExecutions({ namespace, query: `TriggerOwner = 'ptt-probe'` });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw lastError;
}
