/**
 * The memo the build gives compile (the seam, src/compile/memo.ts): results kept in `records`
 * (the compile cache), and the bytes of the files listed without them read through `bytes`
 * (src/source/file-bytes.ts), which has read most of them in batches before compile runs.
 */
import type { CompileMemo, MemoRecords } from '../compile/memo.js';
import type { InputFile } from '../load/source-file.js';
import type { SourceBytes } from '../source/file-bytes.js';

export function buildMemo(records: MemoRecords, bytes: SourceBytes): CompileMemo {
  return {
    file: (key) => records.file(key),
    saveFile: (key, record) => records.saveFile(key, record),
    unit: (key) => records.unit(key),
    saveUnit: (key, record) => records.saveUnit(key, record),
    read: (file: InputFile) => bytes.read(file),
  };
}
