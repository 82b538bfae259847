/**
 * History files: `{ workflowId, history }`, the history as protobuf's plain-object form (enum
 * names, 64-bit numbers and bytes as strings). Not `historyToJSON`: in this dependency tree
 * @temporalio/common and @temporalio/proto each carry their own protobufjs copy, and its JSON
 * converter refuses the other copy's types ("type must be a Type").
 */
import fs from 'node:fs';
import { temporal } from '@temporalio/proto';

const History = temporal.api.history.v1.History;
export type HistoryMessage = temporal.api.history.v1.History;

export function writeHistoryFile(file: string, workflowId: string, history: temporal.api.history.v1.IHistory): void {
  const plain = History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
  fs.writeFileSync(file, `${JSON.stringify({ workflowId, history: plain }, null, 1)}\n`);
}

export function readHistoryFile(file: string): { workflowId: string; history: HistoryMessage } {
  const { workflowId, history } = JSON.parse(fs.readFileSync(file, 'utf8')) as { workflowId: string; history: Record<string, unknown> };
  return { workflowId, history: History.fromObject(history) };
}
