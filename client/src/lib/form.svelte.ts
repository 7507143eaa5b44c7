/**
 * The state every settings-style form keeps (field errors, a form-wide error, busy, its element) and the
 * submit steps they share: client-side errors shown with focus on the first invalid field; the request
 * run with the button busy; server field errors put next to their fields, anything else above the button.
 */
import { errorMessage, fieldErrors } from './api';
import { focusFirstInvalid } from './validate';

export class FormState {
  errors = $state<Record<string, string>>({});
  formError = $state('');
  busy = $state(false);
  el = $state<HTMLFormElement | null>(null);

  /** Clears what the last attempt showed. */
  reset(): void {
    this.errors = {};
    this.formError = '';
  }

  /** Shows client-side `errors`, focusing the first invalid field; true when there were any. */
  invalid(errors: Record<string, string>): boolean {
    if (!Object.keys(errors).length) return false;
    this.errors = errors;
    void focusFirstInvalid(this.el);
    return true;
  }

  /** Runs `request` with the form busy; true when it succeeded, false after showing why it did not. */
  async run(request: () => Promise<unknown>): Promise<boolean> {
    this.reset();
    this.busy = true;
    try {
      await request();
      return true;
    } catch (err) {
      const fields = fieldErrors(err);
      if (Object.keys(fields).length) {
        this.errors = fields;
        await focusFirstInvalid(this.el);
      } else {
        this.formError = errorMessage(err);
      }
      return false;
    } finally {
      this.busy = false;
    }
  }
}
