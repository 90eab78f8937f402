/** Keyset pages: a stack of cursors, newest page first; "Older" follows the page's nextCursor. */
export function Pager({ cursors, nextCursor, onChange }: { cursors: string[]; nextCursor: string | null | undefined; onChange: (cursors: string[]) => void }) {
  return (
    <div class="pager">
      <button type="button" disabled={!cursors.length} onClick={() => onChange(cursors.slice(0, -1))}>← Newer</button>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && onChange([...cursors, nextCursor])}>Older →</button>
    </div>
  );
}
