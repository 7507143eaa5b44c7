/** Helpers for the library tests: two spaces with people, and typing into a document with the stock client. */
import * as Y from 'yjs';
import { connect, covers, createSpaceWithOwner, synced, waitFor, type Person } from './collab';
import type { ApiResponse } from './server';

/** Appends one paragraph per line to a rich document through a real WebsocketProvider, and waits until it is stored. */
export async function typeInto(wsUrl: string, person: Person, docId: string, ...lines: string[]): Promise<void> {
  const c = connect(wsUrl, docId, person, { saved: true });
  try {
    await synced(c);
    c.doc.transact(() => {
      const frag = c.doc.getXmlFragment('default');
      for (const line of lines) {
        const p = new Y.XmlElement('paragraph');
        p.insert(0, [new Y.XmlText(line)]);
        frag.insert(frag.length, [p]);
      }
    });
    await waitFor(() => c.saved.some((sv) => covers(sv, c.doc)), 'the edit to be saved');
  } finally {
    c.destroy();
  }
}

/** A space with a facilitator, a member and a guest. */
export async function spaceWithPeople(url: string, name: string) {
  const s = await createSpaceWithOwner(url);
  const member = await s.addPerson('member', `${name} Member`);
  const guest = await s.addPerson('guest', `${name} Guest`);
  return { spaceId: s.spaceId, facilitator: s.owner, member, guest };
}

/** Asserts a contract error. */
export function isError(res: ApiResponse, status: number, code: string): boolean {
  if (res.status !== status || res.body?.error?.code !== code) throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  return true;
}
