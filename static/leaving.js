// Unsaved changes: a form marked here is asked about before the page moves on without it.

let unsaved = null;

/** Marks `form` (the page's main form) as one whose changes leaving must not lose unasked. */
export function guardForm(form) {
  let changed = false;
  form.addEventListener('input', () => {
    changed = true;
  });
  // Saved, or replaced by what came after: no longer on the page, nothing to lose.
  unsaved = () => changed && form.isConnected;
}

export function hasUnsavedChanges() {
  return Boolean(unsaved && unsaved());
}
