/**
 * A raw protocol client for end-to-end tests: sends exact bytes or messages to a daemon and
 * reads its answers, to drive and observe the daemon without the CLI.
 */
import { encodeMessage } from "../src/protocol/codec.ts";
import { MAX_CLIENT_MESSAGE_BYTES, type Message } from "../src/protocol/messages.ts";
import { MessageStream } from "../src/transport/message_stream.ts";
import { toBinaryString } from "../src/protocol/binary_string.ts";

/** A connection to a daemon's UNIX socket that speaks the protocol, or raw bytes. */
export class WireClient implements Disposable {
  readonly stream: MessageStream;

  private constructor(conn: Deno.Conn) {
    this.stream = new MessageStream(conn, MAX_CLIENT_MESSAGE_BYTES);
  }

  static async connect(socket: string): Promise<WireClient> {
    return new WireClient(await Deno.connect({ transport: "unix", path: socket }));
  }

  /** Sends a lock request for `name` (EX for simple names) and returns the first answer's rc. */
  async lock(name: string, options: { wait?: boolean; mode?: number } = {}): Promise<number> {
    await this.send({
      kind: "lock",
      peerId: "",
      name: toBinaryString(name),
      mode: options.mode ?? 5,
      wait: options.wait ?? true,
      create: true,
      lifespan: 0,
    });
    return await this.nextRc();
  }

  /** The rc of the next answer. */
  async nextRc(): Promise<number> {
    const answer = await this.stream.read();
    if (answer?.kind !== "lockAnswer") throw new Error(`expected an answer, got ${answer?.kind}`);
    return answer.rc;
  }

  async send(message: Message): Promise<void> {
    await this.stream.write(message);
  }

  /** Writes bytes as they are (garbage, partial or oversized messages). */
  async sendRaw(bytes: Uint8Array | string): Promise<void> {
    const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    let offset = 0;
    while (offset < data.length) offset += await this.stream.conn.write(data.subarray(offset));
  }

  /** Resolves when the daemon has closed the connection (EOF or reset). */
  async closed(): Promise<void> {
    try {
      while ((await this.stream.read()) !== null) {
        // Discard anything still sent.
      }
    } catch {
      // A reset is a close too.
    }
  }

  [Symbol.dispose](): void {
    this.stream.close();
  }
}

/** The bytes of `message`, for sending them split or altered. */
export function messageBytes(message: Message): Uint8Array {
  return encodeMessage(message);
}
