// Which completed item ids go in $PROG_RESUME_FILE, the plain list a workflow reads with
// `grep -qxF -e "$id"`. Each of its lines must be exactly one completed id, for grep and for any
// other reader: an id that would break or change a line is left out, so the resumed run does it again.

/**
 * C0 and C1 controls and DEL (\n, \r, \t, NEL…), the line and paragraph separators (lines to
 * Python's splitlines and to JavaScript), and the byte-order mark (stripped by BOM-aware readers).
 */
const BREAKS_A_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
/** Half a surrogate pair: as UTF-8 it becomes U+FFFD, which is another id. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether the id can be a line of the list and read back as itself, and only itself. */
export function listableId(id: string): boolean {
  return id !== '' && !BREAKS_A_LINE.test(id) && !LONE_SURROGATE.test(id);
}
