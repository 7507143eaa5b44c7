/**
 * The documents this browser keeps offline copies of (y-indexeddb), per user, and which of them hold edits
 * the server has not acknowledged yet. Logging out deletes the copies (school computers are shared), after
 * warning when some edits would be lost with them.
 *
 * The registry lives in localStorage: `{ [dbName]: { docId, userId, title, unsaved } }`.
 */
const KEY = 'collaboratory-local-docs';

export interface LocalCopy {
  docId: string;
  userId: string;
  title: string;
  /** Edits made here that the server has not acknowledged as stored. */
  unsaved: boolean;
}

type Registry = Record<string, LocalCopy>;

function read(): Registry {
  try {
    const raw = localStorage.getItem(KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return parsed && typeof parsed === 'object' ? (parsed as Registry) : {};
  } catch {
    return {};
  }
}

function write(reg: Registry): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(reg));
  } catch {
    /* storage full or disabled: the copies are then only cleaned by the browser */
  }
}

/** The IndexedDB name of a user's copy of a document (per user, so one person's edits never sync as another's). */
export const localDbName = (userId: string, docId: string) => `collaboratory-doc-${userId}-${docId}`;

/** Records that a copy exists (call when opening a document). */
export function registerCopy(userId: string, docId: string, title: string): void {
  const reg = read();
  const name = localDbName(userId, docId);
  reg[name] = { docId, userId, title, unsaved: reg[name]?.unsaved ?? false };
  write(reg);
}

/** Marks whether a copy holds edits the server has not stored yet. */
export function markUnsaved(userId: string, docId: string, unsaved: boolean): void {
  const reg = read();
  const entry = reg[localDbName(userId, docId)];
  if (!entry || entry.unsaved === unsaved) return;
  entry.unsaved = unsaved;
  write(reg);
}

/** The user's copies whose edits have not reached the server. */
export function unsavedCopies(userId: string): LocalCopy[] {
  return Object.values(read()).filter((c) => c.userId === userId && c.unsaved);
}

/** Deletes every copy of the user's documents from this browser (and forgets them). */
export async function clearCopies(userId: string): Promise<void> {
  const reg = read();
  const names = Object.keys(reg).filter((name) => reg[name]!.userId === userId);
  await Promise.all(
    names.map(
      (name) =>
        new Promise<void>((resolve) => {
          const req = indexedDB.deleteDatabase(name);
          req.onsuccess = req.onerror = req.onblocked = () => resolve();
        }),
    ),
  );
  for (const name of names) delete reg[name];
  write(reg);
}
