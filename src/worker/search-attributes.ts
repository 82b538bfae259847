/** Registers this library's custom search attributes in a namespace (idempotent). */
import type { Client, ConnectionLike } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const INDEXED_TYPE = {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.KEYWORD_LIST]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
} as const;

export async function registerSearchAttributes(connection: ConnectionLike, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (missing.length) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_TYPE[k.type as keyof typeof INDEXED_TYPE]])),
    });
  }
  return missing.map((k) => k.name);
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
