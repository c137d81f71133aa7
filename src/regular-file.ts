// Reading a small file that configuration names (a rule file, a key secret file) without
// being hung or flooded by it: opened non-blocking and checked with fstat on the
// descriptor (a FIFO named by mistake would block a read forever; checking before the
// open would leave a race), refused past a size limit told by fstat, and never read past
// it even if the file grows meanwhile.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Why a file was refused before it was read. */
export class FileRefused extends Error {
  constructor(readonly reason: 'not-regular' | 'too-large') {
    super(reason === 'not-regular' ? 'not a regular file' : 'too large');
  }
}

/** The file's text; FileRefused, or the file system's own error, otherwise. */
export async function readRegularFile(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new FileRefused('not-regular');
    if (info.size > maxBytes) throw new FileRefused('too-large');
    // One byte more than allowed, to notice a file that grew since fstat.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) {
      ({ bytesRead: n } = await handle.read(buffer, length, buffer.length - length));
    }
    if (length > maxBytes) throw new FileRefused('too-large');
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}
