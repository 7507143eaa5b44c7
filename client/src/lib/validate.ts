/** Client-side hints from the shared zod schemas, in the same `{ field: message }` shape as server errors. */
import { tick } from 'svelte';
import type { z } from 'zod';

/** Validates `value`; returns the parsed data or the first message per field. */
export function check<S extends z.ZodType>(schema: S, value: unknown): { ok: true; data: z.infer<S> } | { ok: false; errors: Record<string, string> } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, data: r.data };
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const field = issue.path.length ? issue.path.join('.') : 'form';
    if (!(field in errors)) errors[field] = issue.message;
  }
  return { ok: false, errors };
}

/**
 * After the DOM shows the errors, moves focus to the first field marked invalid in `root`, so keyboard and
 * screen-reader users land on it.
 */
export async function focusFirstInvalid(root: HTMLElement | null): Promise<void> {
  await tick();
  (root?.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
}
