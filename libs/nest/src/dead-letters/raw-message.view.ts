import type { StoredRawMessage } from '@baton/postgres';

/** Bytes as they arrived: always base64, and as text too when they are UTF-8. */
export interface BytesView {
  base64: string;
  text?: string;
}

/** A dead letter's message as it arrived on the broker, byte for byte. */
export interface RawMessageView {
  key: BytesView | null;
  value: BytesView | null;
  /** In the order they came; a repeated header as often as it came. */
  headers: Array<{ name: string; value: BytesView | null }>;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bytesView(bytes: Uint8Array): BytesView {
  const view: BytesView = { base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  try {
    view.text = UTF8.decode(bytes);
  } catch {
    // Not UTF-8: base64 is all there is.
  }
  return view;
}

export function rawMessageView(raw: StoredRawMessage): RawMessageView {
  return {
    key: raw.key && bytesView(raw.key),
    value: raw.value && bytesView(raw.value),
    headers: raw.headers.map(({ name, value }) => ({ name, value: value === null ? null : bytesView(Buffer.from(value, 'base64')) })),
  };
}
