/**
 * Files that are either fully written or not there at all: write a temporary file next to the target, fsync
 * it, rename it over the target, fsync the folder. A crash or a full disk mid-save (a 500 MB checkpoint takes
 * a while) leaves the previous file intact instead of a truncated one that fails later, far from the cause, and
 * a failed write removes its temporary file. Files a user names on the command line (an export, a batch dump) are
 * checked first, and their faults (a folder given as the file, a full disk) become messages naming the flag.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describeError, MiniAstroError } from './errors';

let counter = 0;

/** A temporary name in the target's folder (rename is only atomic within one file system). */
export function tempPathFor(file: string): string {
  counter += 1;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${counter}.tmp`);
}

/** Writes every byte of `bytes` (writeSync may write fewer than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

export function fsyncFolder(dir: string): void {
  // Makes the rename itself durable. Windows cannot open folders for fsync; there the rename has to do.
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Creates `file` atomically; `write` receives the temporary file's descriptor. */
export function writeFileAtomic(file: string, write: (fd: number) => void): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  const fd = openSync(temp, 'w');
  try {
    try {
      write(fd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncFolder(path.dirname(file));
}

export function writeTextAtomic(file: string, text: string): void {
  writeFileAtomic(file, (fd) => writeAll(fd, Buffer.from(text, 'utf8')));
}

/** Refuses a folder where an output file should go, before anything is written. */
export function assertOutputFile(file: string, flag: string): void {
  let isFolder = false;
  try {
    isFolder = statSync(file).isDirectory();
  } catch {
    return; // absent: it will be created
  }
  if (isFolder) {
    throw new MiniAstroError(
      'badInput',
      `${flag} ${file} is a folder; it must name a file.`,
      `Give a file path, for example ${flag} ${path.join(file, 'out.jsonl')}. Nothing was written.`,
    );
  }
}

const outputFaults: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENAMETOOLONG: 'the name is too long',
};

/**
 * writeFileAtomic for a file the user named with `flag`: a folder in its place is refused up front, and a write
 * that fails (full disk, no permission) is a MiniAstroError; either way no temporary file is left behind.
 */
export function writeOutputFileAtomic(file: string, flag: string, write: (fd: number) => void): void {
  assertOutputFile(file, flag);
  try {
    writeFileAtomic(file, write);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === undefined ? undefined : outputFaults[code];
    if (why === undefined) throw error;
    throw new MiniAstroError(
      'badInput',
      `Cannot write ${flag} ${file}: ${why} (${describeError(error)}).`,
      'Choose another path, or free space / fix permissions there, and run again. The previous file, if any, is ' +
        'unchanged.',
      { cause: error },
    );
  }
}
