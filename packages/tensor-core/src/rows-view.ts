/** The bounds check every backend's `rowsView` makes, with one message. */
import { BackendError } from './backend.js';

/** Throws unless `[row0, row0 + rows)` is a non-empty range of whole rows within `totalRows`. */
export function checkRowsView(name: string, totalRows: number, row0: number, rows: number): void {
  if (!Number.isInteger(row0) || !Number.isInteger(rows) || row0 < 0 || rows < 1 || row0 + rows > totalRows) {
    throw new BackendError(`rowsView: rows [${row0}, ${row0 + rows}) are not within the ${totalRows} rows of ${name}`);
  }
}
