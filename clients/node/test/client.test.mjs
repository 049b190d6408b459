// The client's verbs and startBounceback against the real binary ($BOUNCEBACK_BIN), sending with
// nodemailer (installed by the CTest wrapper into $NODEMAILER_DIR, as docs/fixtures.md shows).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, beforeEach, test } from "node:test";
import { Bounceback, BouncebackError, WaitTimeout, startBounceback } from "../index.js";

const nodemailer = createRequire(process.env.NODEMAILER_DIR + "/")("nodemailer");

let mx;
let mailer;
before(async () => {
  mx = await startBounceback();
  mailer = nodemailer.createTransport({ host: "127.0.0.1", port: mx.smtpPort, secure: false,
    ignoreTLS: true });
});
after(async () => mx.stop());
beforeEach(async () => {
  await mx.client.reset();
  await mx.client.useScenario("accept-all");
});

const send = (to, subject = "Welcome") => mailer.sendMail({
  from: "app@example.test", to, subject, text: "Reset: https://app.example.test/reset?t=1" });

test("a message sent with nodemailer is listed, read and waited for", async () => {
  await send("user+tag@example.test");
  const page = await mx.client.messages({ to: "user+tag@example.test" });
  assert.equal(page.total, 1);
  assert.deepEqual(page.messages[0].to, ["user+tag@example.test"]);
  const detail = await mx.client.message(page.messages[0].id);
  assert.equal(detail.subject, "Welcome");
  assert.deepEqual(detail.links, ["https://app.example.test/reset?t=1"]);
  assert.match((await mx.client.raw(detail.id)).toString(), /Subject: Welcome/);
  assert.equal((await mx.client.waitFor({ to: "user+tag@example.test", timeout: "1s" })).id, detail.id);
  await assert.rejects(mx.client.waitFor({ to: "nobody@example.test", timeout: "300ms" }), WaitTimeout);
  await assert.rejects(mx.client.message("no-such-id"), (e) => e instanceof BouncebackError && e.status === 404);
});

test("greylisting: the retry after advanceClock passes, with the gap in attempts", async () => {
  await mx.client.useScenario("greylisting");
  await assert.rejects(send("grey@example.test"), (e) => e.responseCode === 451);
  await mx.client.advanceClock("61s");
  await send("grey@example.test");
  const { attempts } = await mx.client.attempts({ rcpt: "grey@example.test" });
  assert.deepEqual(attempts.map((a) => a.outcome), ["refused", "accepted"]);
  assert.equal(attempts[0].gap_ms, null);
  assert.ok(attempts[1].gap_ms >= 61000, String(attempts[1].gap_ms));
});

test("refusals and reset", async () => {
  await mx.client.useScenario("unknown-user");
  await assert.rejects(send("gone@unknown.example"), (e) => e.responseCode === 550);
  const refusals = await mx.client.refusals({ class: "permanent" });
  assert.equal(refusals.total, 1);
  assert.equal(refusals.refusals[0].rcpt, "gone@unknown.example");
  assert.equal(refusals.refusals[0].outcome, "reply");
  assert.equal((await mx.client.refusals({ class: "temporary" })).total, 0);
  assert.equal((await mx.client.refusals({ query: "to:gone@unknown.example 550" })).total, 1);
  assert.equal((await mx.client.refusals({ query: "to:someone@else.example" })).total, 0);
  const before = (await mx.client.clock()).offset_ms;
  assert.equal((await mx.client.advanceClock("2m")).offset_ms, before + 120000);
  await mx.client.reset();
  assert.equal((await mx.client.refusals()).total, 0);
  assert.equal((await mx.client.attempts()).total, 0);
  assert.match(await mx.client.scenario(), /unknown-user/);
});

test("a TOML scenario, a bad one's 400, an unknown name", async () => {
  const info = await mx.client.useScenario('name = "picky"\n[[rule]]\non = "rcpt"\nreply = "452 4.2.2 Full"\n');
  assert.deepEqual([info.name, info.rules], ["picky", 1]);
  await assert.rejects(mx.client.useScenario('[[rule]]\non = "nowhere"\n'), (e) => e.status === 400);
  await assert.rejects(mx.client.useScenario("no-such-builtin"), /unknown scenario/);
});

test("a token, a crash seen by crashed(), and stop's exit status", async () => {
  const own = await startBounceback({ token: "s3cret", args: ["--hostname", "mx.node.test"] });
  try {
    assert.equal((await own.client.messages()).total, 0);
    await assert.rejects(new Bounceback(own.url).messages(), (e) => e.status === 401);
    assert.equal(own.crashed(), null);
    assert.match(own.log(), /msg=ready/);
  } finally {
    own.proc.kill("SIGKILL");
  }
  await new Promise((r) => own.proc.once("exit", r));
  assert.equal(own.crashed(), "SIGKILL");
  await assert.rejects(own.stop(), /bounceback exited SIGKILL/);
});

test("waitFor the bounce of a message (about)", async () => {
  await send("dsn-550-5.1.1@reply.test", "Order 42");
  const original = await mx.client.waitFor({ to: "dsn-550-5.1.1@reply.test", timeout: "1s" });
  const dsn = await mx.client.waitFor({ about: original.id, timeout: "5s" });
  assert.equal(dsn.generated, "dsn");
  assert.equal(dsn.about, original.id);
  assert.deepEqual((await mx.client.messages({ about: original.id })).messages.map((m) => m.id), [dsn.id]);
});
