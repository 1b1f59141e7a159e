// Free TCP ports on 127.0.0.1: bind port 0, read the port the kernel picked, close.
// There is an unavoidable race between close() and the server binding the port; we keep it small
// by handing out each port once per process and letting callers bind soon after.
import { createServer } from 'node:net';

const handedOut = new Set<number>();

function bindEphemeral(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`unexpected listen address ${String(address)}`));
        return;
      }
      const { port } = address;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}

/** One free TCP port on `host` (default 127.0.0.1) not handed out before by this process. */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await bindEphemeral(host);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('getFreePort: could not find an unused port after 50 attempts');
}

/** `count` distinct free TCP ports. */
export async function getFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await getFreePort(host));
  return ports;
}
