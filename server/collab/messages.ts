/** Encoders for the messages the server sends (each built once and sent to many connections). */
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';
import { messageAwareness, messageSaved, messageSync } from '../../shared/collab';

/** `[messageSync, update, update]` carrying one Yjs update. */
export function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageSync);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

/** `[messageSync, step1, stateVector]`: asks the client for what the server lacks. */
export function syncStep1Message(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageSync);
  syncProtocol.writeSyncStep1(e, doc);
  return encoding.toUint8Array(e);
}

/** `[messageAwareness, update]` for the given client ids. */
export function awarenessMessage(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageAwareness);
  encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(e);
}

/** `[messageSaved, stateVector]`: the durably stored state (CONTRACT.md "saved acknowledgement"). */
export function savedMessage(stateVector: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageSaved);
  encoding.writeVarUint8Array(e, stateVector);
  return encoding.toUint8Array(e);
}
