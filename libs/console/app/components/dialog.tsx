import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

/** A modal <dialog>: its content, a confirm button that stays busy while `onConfirm` runs, and the error it threw. */
export function Dialog(props: {
  title: string;
  confirm: string;
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
  children: ComponentChildren;
  danger?: boolean;
  disabled?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="dialog" onClose={props.onClose} onCancel={props.onClose}>
      <form onSubmit={submit}>
        <h2>{props.title}</h2>
        {props.children}
        {error && <p class="error" role="alert">{error}</p>}
        <div class="dialog-buttons">
          <button type="button" onClick={props.onClose}>Cancel</button>
          <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={busy || props.disabled}>
            {busy ? 'Working…' : props.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** A dialog that asks why: the reason goes into the saga's history with the action. */
export function ReasonDialog(props: {
  title: string;
  confirm: string;
  label?: string;
  required?: boolean;
  danger?: boolean;
  onConfirm: (reason: string) => Promise<void>;
  onClose: () => void;
  children?: ComponentChildren;
}) {
  const [reason, setReason] = useState('');
  const required = props.required ?? true;
  return (
    <Dialog
      title={props.title}
      confirm={props.confirm}
      danger={props.danger}
      disabled={required && !reason.trim()}
      onClose={props.onClose}
      onConfirm={() => props.onConfirm(reason.trim())}
    >
      {props.children}
      <label class="field">
        <span>{props.label ?? 'Reason (recorded in the saga history)'}</span>
        <textarea name="reason" rows={3} maxLength={2000} required={required} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
      </label>
    </Dialog>
  );
}
