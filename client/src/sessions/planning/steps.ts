/** The custom-steps draft of the create form, and how it becomes the request body. */
import { SPEAKING_MODES } from '../../../../shared/protocols';

export interface DraftStep {
  /** Stable key for the keyed list and element ids (indexes change when steps move). */
  key: number;
  title: string;
  /** Bound to a number input: null while empty. */
  minutes: number | null;
  prompt: string;
  /** One of SPEAKING_MODES (a string here so it binds to a select). */
  speaking: string;
}

let nextKey = 1;

/** A blank step: open discussion, 10 minutes. */
export function newStep(): DraftStep {
  return { key: nextKey++, title: '', minutes: 10, prompt: '', speaking: SPEAKING_MODES[0] };
}

/** The steps as the API expects them; invalid values are passed through for the schema to name. */
export function stepsBody(steps: readonly DraftStep[]): unknown[] {
  return steps.map((s) => ({
    title: s.title,
    minutes: s.minutes ?? Number.NaN,
    ...(s.prompt.trim() ? { prompt: s.prompt } : {}),
    speaking: s.speaking,
  }));
}
