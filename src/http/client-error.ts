import type { Socket } from 'node:net';

/**
 * Answers requests Node's HTTP parser rejects before fastify sees them (headers
 * too large, malformed request line). Fastify's default answer omits
 * `Connection: close` although it then drops the socket, so a keep-alive client
 * reuses a dead connection and its next, valid request fails with a reset.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request headers are too large; send smaller headers.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request took too long to arrive.']
        : [400, 'Bad Request', 'The request is not valid HTTP/1.1.'];
  const body = JSON.stringify({ error: reason.toLowerCase().replaceAll(' ', '_'), message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
