// Types of the API's answers: the fields clients/api-shapes.json lists (test/shapes.test.mjs
// checks each interface names exactly those).

export interface Message {
  id: string;
  from: string;
  to: string[];
  subject: string;
  size: number;
  received_at: string;
  session_id: string;
  client_ip: string;
  generated: "dsn" | "auto-reply" | "complaint" | null;
  about: string | null;
}

/** A message in detail: the summary's fields, then these. */
export interface MessageDetail extends Message {
  recipients: { address: string; notify: string | null; orcpt: string | null }[];
  sequence: number;
  helo: string;
  tls: boolean;
  tls_version: string | null;
  tls_cipher: string | null;
  auth_user: string | null;
  chunked: boolean;
  params: Record<string, unknown>;
  headers: { name: string; value: string }[];
  session: Record<string, unknown> | null;
  text: string;
  html: string;
  attachments: { id: string; name: string; type: string; size: number; disposition: string; content_id: string | null; url: string }[];
  links: string[];
  mime: Record<string, unknown>;
}

export interface Attempt {
  at: string;
  from: string;
  rcpt: string;
  client_ip: string;
  session_id: string;
  stage: string;
  reply: string | null;
  sent_at: string | null;
  client_gone: boolean;
  stored: boolean;
  outcome: "pending" | "accepted" | "refused" | "dropped" | "hung" | "abandoned";
  gap_ms: number | null;
}

/** A 4xx/5xx reply sent, or a drop or hang (no reply: `code` 0, `reply` ""). */
export interface Refusal {
  id: number;
  at: string;
  outcome: "reply" | "drop" | "reset" | "hang";
  code: number;
  enhanced: string | null;
  class: "temporary" | "permanent";
  text: string;
  reply: string;
  stage: string;
  from: string;
  rcpt: string;
  recipients: number;
  client_ip: string;
  session_id: string;
}

export interface ScenarioInfo {
  name: string;
  description: string;
  rules: number;
}

export interface Clock {
  now: string;
  offset_ms: number;
}

export interface Page {
  total: number;
  start: number;
  count: number;
}

export interface MessagePage extends Page { messages: Message[]; }
export interface AttemptPage extends Page { attempts: Attempt[]; }
export interface RefusalPage extends Page { refusals: Refusal[]; }
/** The newest match, with every match paged in `messages`. */
export interface WaitResult extends Message, Page { messages: Message[]; }

export interface MessageFilter {
  to?: string;
  from?: string;
  subject?: string;
  /** The DSNs, auto-replies and complaints generated about the message of this id. */
  about?: string;
  query?: string;
}

export class BouncebackError extends Error {
  status: number;
  serverMessage: string;
}
export class WaitTimeout extends BouncebackError {}

export function findBinary(): string;

export class Bounceback {
  constructor(baseUrl: string, options?: { token?: string; binary?: string });
  baseUrl: string;
  messages(filter?: MessageFilter & { start?: number; limit?: number }): Promise<MessagePage>;
  message(id: string): Promise<MessageDetail>;
  raw(id: string): Promise<Buffer>;
  waitFor(filter?: MessageFilter & { timeout?: string | number }): Promise<WaitResult>;
  deleteMessages(): Promise<{ deleted: number }>;
  attempts(filter?: { rcpt?: string; from?: string; client_ip?: string; start?: number; limit?: number }): Promise<AttemptPage>;
  refusals(filter?: { class?: "temporary" | "permanent"; query?: string; start?: number; limit?: number }): Promise<RefusalPage>;
  useScenario(tomlOrName: string): Promise<ScenarioInfo>;
  scenario(): Promise<string>;
  clock(): Promise<Clock>;
  advanceClock(by: string | number): Promise<Clock>;
  reset(): Promise<void>;
}

export interface RunningBounceback {
  host: string;
  smtpPort: number;
  httpPort: number;
  ports: Record<string, number>;
  url: string;
  client: Bounceback;
  proc: import("node:child_process").ChildProcess;
  log(): string;
  crashed(): number | string | null;
  stop(timeoutMs?: number): Promise<number>;
}

export function startBounceback(options?: {
  args?: string[];
  binary?: string;
  token?: string;
  startTimeoutMs?: number;
}): Promise<RunningBounceback>;
