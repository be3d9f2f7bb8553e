import { connect } from 'node:net';

/**
 * Sends `ids.length` GET requests of `path` (each with its id in `X-Request-Id`) pipelined in one
 * write on one connection, so that the server reads them in one turn of the event loop (one
 * cohort), and resolves to their JSON bodies in order.
 */
export function pipelinedGets(port: number, path: string, ids: string[], cookie: string): Promise<Array<Record<string, unknown>>> {
  const requests = ids.map((id, index) =>
    [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', `X-Request-Id: ${id}`, `Cookie: ${cookie}`, `Connection: ${index === ids.length - 1 ? 'close' : 'keep-alive'}`, '', ''].join('\r\n'),
  );
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(requests.join('')));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const bodies: Array<Record<string, unknown>> = [];
      let rest = Buffer.concat(chunks).toString('latin1');
      while (rest.length > 0) {
        const headEnd = rest.indexOf('\r\n\r\n');
        const length = Number(/content-length: *(\d+)/i.exec(rest.slice(0, headEnd))?.[1]);
        bodies.push(JSON.parse(rest.slice(headEnd + 4, headEnd + 4 + length)) as Record<string, unknown>);
        rest = rest.slice(headEnd + 4 + length);
      }
      resolve(bodies);
    });
  });
}
