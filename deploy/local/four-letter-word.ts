// Sends a ZooKeeper four-letter word (`ruok`, `srvr`, …) and collects the answer until the server closes
// the connection. Every call has a deadline: a SIGSTOPped server accepts the TCP connection (the kernel
// does the handshake) and then says nothing.

import { createConnection } from 'node:net';

export class FourLetterWordError extends Error {
  /** `timeout`, or the socket error code (`ECONNREFUSED`, `ECONNRESET`, …). */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'FourLetterWordError';
    this.reason = reason;
  }
}

export function fourLetterWord(
  host: string,
  port: number,
  word: string,
  deadlineMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new FourLetterWordError('timeout', `${word} to ${host}:${port}: no answer within ${deadlineMs} ms`),
      );
    }, deadlineMs);
    socket.once('connect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const code = error.code ?? 'ERROR';
      reject(new FourLetterWordError(code, `${word} to ${host}:${port}: ${code}`));
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
