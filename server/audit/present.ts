/** Audit records -> the API's JSON and CSV. */
import type { AuditEntry } from '../../shared/audit';
import type { AuditRecord } from './audit';

/** One entry as JSON; the address is shown to administrators only (facilitators need who and what, not where). */
export function presentAudit(r: AuditRecord, withIp: boolean): AuditEntry {
  return {
    id: r._id,
    at: r.at.toISOString(),
    action: r.action,
    actor: r.actorId ? { id: r.actorId, name: r.actorName ?? '' } : null,
    ...(withIp ? { ip: r.ip } : {}),
    spaceId: r.spaceId,
    target: r.targetType && r.targetId ? { type: r.targetType, id: r.targetId, label: r.targetLabel } : null,
    details: r.details,
  };
}

// A cell starting with one of these is run as a formula by spreadsheet programs; a leading ' disarms it.
const FORMULA = /^[=+\-@\t\r]/;
const cell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  const safe = FORMULA.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** Entries as CSV (RFC 4180, a header row, CRLF line ends). */
export function auditCsv(entries: AuditEntry[]): string {
  const header = ['at', 'action', 'actor', 'actor_id', 'ip', 'space_id', 'target_type', 'target_id', 'target', 'details'];
  const rows = entries.map((e) =>
    [e.at, e.action, e.actor?.name, e.actor?.id, e.ip, e.spaceId, e.target?.type, e.target?.id, e.target?.label, Object.keys(e.details).length ? JSON.stringify(e.details) : ''].map(cell).join(','),
  );
  return [header.join(','), ...rows].join('\r\n') + '\r\n';
}
