// ClientPort over real loopback sockets: length-prefixed framing however TCP splits or merges the bytes,
// jute.maxbuffer enforced from the length prefix alone, four-letter words only as the first bytes,
// maxClientCnxns per address, and replies flushed before a close.
import net from 'node:net';

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { ClientPort, type ClientPortHandlers } from './client-port.ts';

const log = pino({ level: 'silent' });

interface Recorder {
  opened: { id: number; address: string }[];
  frames: { id: number; payload: Buffer }[];
  closed: number[];
  words: string[];
}

const ports: ClientPort[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const port of ports.splice(0)) await port.stop();
});

async function startPort(options: { maxBufferBytes?: number; maxClientCnxns?: number } = {}) {
  const recorder: Recorder = { opened: [], frames: [], closed: [], words: [] };
  const handlers: ClientPortHandlers = {
    onOpen: (id, address) => recorder.opened.push({ id, address }),
    onFrame: (id, payload) => recorder.frames.push({ id, payload: Buffer.from(payload) }),
    onClosed: (id) => recorder.closed.push(id),
    isFourLetterWord: (word) => ['ruok', 'srvr', 'stat'].includes(word),
    onFourLetterWord: async (word) => {
      recorder.words.push(word);
      return word === 'ruok' ? 'imok' : `answer to ${word}\n`;
    },
  };
  const port = new ClientPort(
    {
      host: '127.0.0.1',
      port: 0,
      maxBufferBytes: options.maxBufferBytes ?? 1000,
      maxClientCnxns: options.maxClientCnxns ?? 0,
      log,
    },
    handlers,
  );
  ports.push(port);
  const number = await port.listen();
  return { port, number, recorder };
}

function frame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(4);
  head.writeInt32BE(body.length);
  return Buffer.concat([head, body]);
}

interface Client {
  socket: net.Socket;
  received: () => Buffer;
  closed: Promise<void>;
}

async function dial(port: number): Promise<Client> {
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed };
}

async function until(predicate: () => boolean, what: string, deadlineMs = 3000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ClientPort framing', () => {
  it('delivers exact payloads whether the bytes arrive one at a time or many frames at once', async () => {
    const { number, recorder } = await startPort();
    const client = await dial(number);
    await until(() => recorder.opened.length === 1, 'open');
    expect(recorder.opened[0].address).toBe('127.0.0.1');
    const bytes = Buffer.concat([
      frame('first'),
      frame(''),
      frame('third frame'),
      frame(Buffer.alloc(1000, 7)),
    ]);
    for (let i = 0; i < 40; i++) {
      client.socket.write(bytes.subarray(i, i + 1));
      await pause(1);
    }
    client.socket.write(bytes.subarray(40));
    await until(() => recorder.frames.length === 4, 'four frames');
    expect(recorder.frames.map((f) => f.payload.toString('latin1'))).toEqual([
      'first',
      '',
      'third frame',
      Buffer.alloc(1000, 7).toString('latin1'),
    ]);
    // Many frames in one write.
    client.socket.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => frame(`f${i}`))));
    await until(() => recorder.frames.length === 54, '50 more frames');
    expect(recorder.frames.slice(4).map((f) => f.payload.toString())).toEqual(
      Array.from({ length: 50 }, (_, i) => `f${i}`),
    );
  });

  it('a zero-length frame that ends a chunk exactly is delivered, and the port keeps serving', async () => {
    const { number, recorder } = await startPort();
    const client = await dial(number);
    await until(() => recorder.opened.length === 1, 'open');
    // The chunk ends right after the empty frame's length prefix: nothing is buffered behind it.
    client.socket.write(frame(''));
    await until(() => recorder.frames.length === 1, 'the empty frame');
    client.socket.write(frame('after'));
    await until(() => recorder.frames.length === 2, 'the next frame');
    expect(recorder.frames.map((f) => f.payload.toString())).toEqual(['', 'after']);
  });

  it('a length prefix over jute.maxbuffer drops the connection before buffering the frame', async () => {
    const { number, recorder } = await startPort({ maxBufferBytes: 100 });
    const ok = await dial(number);
    ok.socket.write(frame(Buffer.alloc(100, 1)));
    await until(() => recorder.frames.length === 1, 'a frame of exactly maxbuffer');
    const tooBig = await dial(number);
    const head = Buffer.alloc(4);
    head.writeInt32BE(101);
    tooBig.socket.write(head);
    await tooBig.closed;
    const huge = await dial(number);
    huge.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    await huge.closed;
    const negative = await dial(number);
    negative.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
    await negative.closed;
    expect(recorder.frames).toHaveLength(1);
    await until(() => recorder.closed.length === 3, 'three closes');
  });

  it('a four-letter word as the first bytes is answered and the connection closed', async () => {
    const { number, recorder } = await startPort();
    const client = await dial(number);
    client.socket.write('ruok');
    await client.closed;
    expect(client.received().toString()).toBe('imok');
    expect(recorder.words).toEqual(['ruok']);
    expect(recorder.frames).toEqual([]);
  });

  it('a four-letter word after the first frame is just a (too large) length', async () => {
    const { number, recorder } = await startPort({ maxBufferBytes: 1000 });
    const client = await dial(number);
    client.socket.write(frame('hello'));
    await until(() => recorder.frames.length === 1, 'first frame');
    client.socket.write('stat');
    await client.closed;
    expect(recorder.words).toEqual([]);
    expect(client.received().length).toBe(0);
  });

  it('an unknown word as the first bytes is a length prefix like any other', async () => {
    const { number, recorder } = await startPort({ maxBufferBytes: 2_000_000_000 });
    const client = await dial(number);
    client.socket.write('\u0000\u0000\u0000\u0002hi');
    await until(() => recorder.frames.length === 1, 'frame');
    expect(recorder.frames[0].payload.toString()).toBe('hi');
    expect(recorder.words).toEqual([]);
  });
});

describe('ClientPort connections', () => {
  it('maxClientCnxns limits connections per address', async () => {
    const { number, recorder } = await startPort({ maxClientCnxns: 2 });
    const a = await dial(number);
    await dial(number);
    await until(() => recorder.opened.length === 2, 'two opens');
    const third = await dial(number);
    await third.closed;
    expect(recorder.opened).toHaveLength(2);
    a.socket.destroy();
    await until(() => recorder.closed.length === 1, 'a close');
    const fourth = await dial(number);
    await until(() => recorder.opened.length === 3, 'a new connection after one left');
    fourth.socket.write(frame('x'));
    await until(() => recorder.frames.length === 1, 'frame');
  });

  it('send + flush write queued frames together; close writes them first, then ends the connection', async () => {
    const { port, number, recorder } = await startPort();
    const client = await dial(number);
    await until(() => recorder.opened.length === 1, 'open');
    const id = recorder.opened[0].id;
    port.send(id, frame('one'));
    port.send(id, frame('two'));
    await pause(20);
    expect(client.received().length).toBe(0); // nothing before flush
    port.flush();
    await until(() => client.received().length === 14, 'two frames');
    port.send(id, frame('last'));
    port.close(id);
    await client.closed;
    expect(client.received().subarray(14).toString('latin1')).toBe(frame('last').toString('latin1'));
    await until(() => recorder.closed.includes(id), 'onClosed');
  });

  it('sending to an unknown or closed connection is harmless', async () => {
    const { port } = await startPort();
    port.send(12345, frame('x'));
    port.close(12345);
    port.flush();
    expect(port.connectionCount).toBe(0);
  });

  it('stop() disconnects every client and stops listening', async () => {
    const { port, number, recorder } = await startPort();
    const a = await dial(number);
    const b = await dial(number);
    await until(() => recorder.opened.length === 2, 'opens');
    expect(port.connectionCount).toBe(2);
    ports.splice(ports.indexOf(port), 1);
    await port.stop();
    await Promise.all([a.closed, b.closed]);
    await expect(dial(number)).rejects.toThrow();
  });
});
