import type { PGlite } from '@electric-sql/pglite';
import { createServer, type Server, type Socket } from 'node:net';

/** Options for {@link servePglite}. */
export interface PgliteServerOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Connections accepted at once; the next gets PostgreSQL's "too many clients" (53300). Default 100, as PostgreSQL. */
  maxConnections?: number;
  /**
   * A connection that holds the backend inside a transaction and sends nothing for this long is closed (its
   * transaction rolled back), as PostgreSQL's `idle_in_transaction_session_timeout` would: everyone else is waiting
   * for it. Default 30 s.
   */
  idleInTransactionTimeoutMs?: number;
  /** Where to report connections closed for being idle in a transaction. Default stderr. */
  log?: (line: string) => void;
}

/** A running {@link servePglite} server. */
export interface PgliteServer {
  host: string;
  port: number;
  /**
   * Settles when the backend has failed (PGlite threw while executing a client's messages): every connection is
   * closed and new ones are refused, since the database's state is unknown. Never settles otherwise.
   */
  failed: Promise<Error>;
  /** Closes every connection (rolling back their transactions) and stops listening. Does not close `db`. */
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const SYNC_TYPE = 0x53; // 'S'
const QUERY_TYPE = 0x51; // 'Q'
const READY_FOR_QUERY_TYPE = 0x5a; // 'Z'
const SYNC = Buffer.from([SYNC_TYPE, 0, 0, 0, 4]);
const ROLLBACK = simpleQuery('ROLLBACK');

function simpleQuery(text: string): Buffer {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('Q', 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** A FATAL ErrorResponse, which a client reports as the connection's error before the socket closes. */
function fatal(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/** Sends `lastWords` (if any), then closes the socket whatever the client does. */
function endSocket(socket: Socket, lastWords?: Buffer): void {
  if (socket.destroyed) return;
  if (lastWords && socket.writable) socket.end(lastWords, () => socket.destroy());
  else socket.destroy();
}

/**
 * Passes the backend's replies on, one ReadyForQuery per Sync, simple Query or startup packet the client sent.
 * PGlite 0.4.x answers an error in the extended protocol with two ReadyForQuery messages (one when the error is
 * raised, one for the Sync); a client takes the second as the end of its next query, and from then on every answer
 * it reads belongs to the query before (wrong rows, then "unexpected parseComplete"). The surplus one is dropped.
 */
class ReplyFilter {
  private carry: Buffer = Buffer.alloc(0);
  private outstanding = 0;

  /** The client has sent `count` more messages that each end with a ReadyForQuery. */
  expect(count: number): void {
    this.outstanding += count;
  }

  pass(chunk: Buffer, write: (bytes: Buffer) => void): void {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let from = 0;
    let at = 0;
    while (at + 5 <= data.length) {
      const end = at + 1 + data.readInt32BE(at + 1);
      if (end > data.length) break;
      if (data[at] === READY_FOR_QUERY_TYPE) {
        if (this.outstanding > 0) this.outstanding--;
        else {
          if (at > from) write(data.subarray(from, at));
          from = end;
        }
      }
      at = end;
    }
    if (at > from) write(data.subarray(from, at));
    this.carry = Buffer.from(data.subarray(at));
  }
}

/** The backend: one session at a time, handed over in arrival order. */
class Backend {
  private owner: Session | undefined;
  private readonly waiting: { session: Session; grant: () => void }[] = [];

  /** Set once PGlite has thrown while executing: its state is unknown, so nothing more is sent to it. */
  failure: Error | undefined;

  constructor(readonly db: PGlite) {}

  acquire(session: Session): Promise<void> {
    if (this.owner === session) return Promise.resolve();
    if (!this.owner) {
      this.owner = session;
      return Promise.resolve();
    }
    return new Promise((grant) => this.waiting.push({ session, grant }));
  }

  release(session: Session): void {
    if (this.owner !== session) return;
    const next = this.waiting.shift();
    this.owner = next?.session;
    next?.grant();
  }

  /** Takes a closed session out of the line; its wait ends without the backend, so it can finish. */
  forget(session: Session): void {
    const at = this.waiting.findIndex((w) => w.session === session);
    if (at !== -1) this.waiting.splice(at, 1)[0]?.grant();
  }

  owns(session: Session): boolean {
    return this.owner === session;
  }

  hasWaiters(): boolean {
    return this.waiting.length > 0;
  }

  /** Runs `message` (one or more complete protocol messages) and hands the answer's bytes to `write`. */
  async execute(message: Uint8Array, write: (bytes: Buffer) => void): Promise<void> {
    // A closed PGlite does not throw: its lock is never granted again.
    if (this.db.closed) throw new Error('the PGlite database was closed');
    // PGlite's own lock too, so its file-system sync never runs in the middle of our call.
    await this.db.runExclusive(() =>
      // PGlite reuses its output buffer: copy each chunk before it is handed on.
      this.db.execProtocolRawStream(message, { onRawData: (chunk) => write(Buffer.from(chunk)) }),
    );
  }
}

/**
 * One client connection. PGlite has a single backend, hence a single set of session state (the unnamed statement
 * and portal, the open transaction, the "skip to Sync after an error" state). So a connection keeps the backend from
 * its first message until it is back at an idle protocol boundary: a Sync or simple Query answered outside any
 * transaction block. Only then does the next connection in line get it. Messages of two clients never interleave.
 */
class Session {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Buffer[] = [];
  private readonly replies = new ReplyFilter();
  private started = false;
  private running = false;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private markFinished!: () => void;
  /** Settles once the connection is closed and has given the backend back in a clean state. */
  readonly finished = new Promise<void>((resolve) => (this.markFinished = resolve));

  constructor(
    private readonly socket: Socket,
    private readonly backend: Backend,
    private readonly options: { idleInTransactionTimeoutMs: number; log: (line: string) => void; onBackendFailure: (error: Error) => void },
  ) {
    socket.setNoDelay(true);
    socket.on('data', (data) => this.receive(data));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private receive(data: Buffer): void {
    if (this.closed) return;
    clearTimeout(this.idleTimer);
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    for (;;) {
      // The startup packet (and SSL/cancel requests before it) has no type byte: Int32 length, then the payload.
      const headerLength = this.started ? 5 : 4;
      if (this.buffer.length < headerLength) break;
      const length = this.started ? 1 + this.buffer.readInt32BE(1) : this.buffer.readInt32BE(0);
      if (length < (this.started ? 5 : 8)) {
        this.close(fatal('08P01', 'invalid message length'));
        return;
      }
      if (this.buffer.length < length) break;
      const message = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      if (!this.started) {
        const code = message.length >= 8 ? message.readInt32BE(4) : 0;
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write('N'); // no encryption on loopback; the client goes on with a plain startup packet
          continue;
        }
        if (code === CANCEL_REQUEST) {
          this.socket.destroy();
          return;
        }
        this.started = true;
      }
      this.pending.push(message);
    }
    void this.pump();
  }

  /** Executes what has arrived, in order, holding the backend from the first message to the next idle boundary. */
  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending.length > 0 && !this.closed) {
        await this.backend.acquire(this);
        if (this.closed) break;
        // The startup packet goes alone (PGlite recognises it by its first byte); then everything that has arrived.
        const batch = this.pending[0]?.[0] === 0 ? this.pending.splice(0, 1) : this.pending.splice(0);
        const terminate = batch.findIndex((m) => m[0] === 0x58); // 'X': the client is leaving
        const run = terminate === -1 ? batch : batch.slice(0, terminate);
        if (run.length > 0) {
          try {
            this.replies.expect(run.filter((m) => m[0] === 0 || m[0] === SYNC_TYPE || m[0] === QUERY_TYPE).length);
            await this.backend.execute(Buffer.concat(run), (bytes) =>
              this.replies.pass(bytes, (out) => {
                if (!this.socket.destroyed) this.socket.write(out);
              }),
            );
          } catch (error) {
            this.close(fatal('XX000', `the embedded database failed: ${(error as Error).message}`));
            this.options.onBackendFailure(error as Error);
            return;
          }
        }
        if (terminate !== -1) {
          this.close();
          break;
        }
        const last = run[run.length - 1];
        const atBoundary = last !== undefined && (last[0] === 0 || last[0] === SYNC_TYPE || last[0] === QUERY_TYPE);
        if (atBoundary && !this.backend.db.isInTransaction()) this.backend.release(this);
      }
      if (!this.closed && this.backend.owns(this)) this.watchIdleInTransaction();
    } finally {
      this.running = false;
      if (this.closed) await this.cleanUp();
    }
  }

  private watchIdleInTransaction(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.closed || !this.backend.owns(this) || this.pending.length > 0) return;
      const seconds = this.options.idleInTransactionTimeoutMs / 1000;
      this.options.log(
        `embedded database: closed a connection idle in a transaction for ${seconds} s${this.backend.hasWaiters() ? ' while others waited for it' : ''} (one session at a time)`,
      );
      this.close(fatal('25P03', `terminating connection due to idle-in-transaction timeout (${seconds} s): the embedded database serves one session at a time`));
    }, this.options.idleInTransactionTimeoutMs);
    this.idleTimer.unref();
  }

  /** Ends the connection, after sending `lastWords` (an ErrorResponse) when given. */
  close(lastWords?: Buffer): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.pending.length = 0;
    this.backend.forget(this);
    endSocket(this.socket, lastWords);
    if (!this.running) void this.cleanUp();
  }

  /**
   * A connection that leaves while holding the backend (mid-transaction, or between Parse and Sync) must not hand
   * its session state to the next one: end any extended-protocol exchange and roll back any open transaction.
   */
  private async cleanUp(): Promise<void> {
    if (!this.backend.owns(this) || this.backend.failure) {
      this.backend.release(this);
      this.markFinished();
      return;
    }
    try {
      await this.backend.execute(SYNC, () => undefined);
      if (this.backend.db.isInTransaction()) await this.backend.execute(ROLLBACK, () => undefined);
    } catch (error) {
      this.options.onBackendFailure(error as Error);
    } finally {
      this.backend.release(this);
      this.markFinished();
    }
  }
}

/**
 * Serves one PGlite database over the PostgreSQL wire protocol to any number of connections, one session at a
 * time (see {@link Session}). Unlike `@electric-sql/pglite-socket` 0.1.x, which queues single messages from every
 * connection into the one backend (so one client's Bind can meet another's Parse), a connection's whole exchange
 * runs before the next one's starts. Session settings (`SET`), named prepared statements and temporary tables are
 * still shared by every connection, as they live in the one backend.
 */
export async function servePglite(db: PGlite, options: PgliteServerOptions = {}): Promise<PgliteServer> {
  await db.waitReady;
  const host = options.host ?? '127.0.0.1';
  const maxConnections = options.maxConnections ?? 100;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const backend = new Backend(db);
  const sessions = new Set<Session>();
  const sockets = new Set<Socket>();
  let reportFailure!: (error: Error) => void;
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  const onBackendFailure = (error: Error) => {
    if (backend.failure) return;
    backend.failure = error;
    reportFailure(error);
    for (const session of sessions) session.close();
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (backend.failure) {
      endSocket(socket, fatal('57P03', `the embedded database has failed (${backend.failure.message}) and accepts no connections`));
      return;
    }
    if (sessions.size >= maxConnections) {
      endSocket(socket, fatal('53300', `sorry, too many clients already (the embedded database accepts ${maxConnections})`));
      return;
    }
    const session = new Session(socket, backend, { idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? 30_000, log, onBackendFailure });
    sessions.add(session);
    void session.finished.then(() => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the embedded database server has no TCP address');
  return {
    host,
    port: address.port,
    failed,
    async stop() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      const open = [...sessions];
      for (const session of open) session.close();
      for (const socket of sockets) socket.destroy();
      // Each closed session rolls back what it left open before the caller may close the database.
      await Promise.all([closing, ...open.map((s) => s.finished)]);
    },
  };
}
