// The real `mailpit-api` client, its base URL pointed at Bounceback's Mailpit surface, after
// nodemailer sent mail over SMTP. Every call a Mailpit user's test makes is asserted; any
// failure throws, and node exits non-zero. Run by tests/integration/test_mailpit_client.py with
// SMTP_PORT and API (http://127.0.0.1:PORT) set, and TOKEN when the server has --api-token.
import assert from "node:assert/strict";
import { MailpitClient } from "mailpit-api";
import nodemailer from "nodemailer";

const base = `${process.env.API}/mailpit`;
const token = process.env.TOKEN;
const mailpit = token
  ? new MailpitClient(base, { fetchOptions: { headers: { Authorization: `Bearer ${token}` } } })
  : new MailpitClient(base);
if (token) await assert.rejects(new MailpitClient(base).getInfo(), /401/);
const smtp = nodemailer.createTransport({
  host: "127.0.0.1", port: Number(process.env.SMTP_PORT), secure: false, ignoreTLS: true,
});
const pdf = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));

await smtp.sendMail({
  from: '"Shop" <shop@store.test>', to: "bob@example.test", subject: "Votre reçu",
  text: "Merci pour votre achat.", html: "<p>Merci <b>beaucoup</b></p>",
  attachments: [{ filename: "reçu.pdf", content: pdf, contentType: "application/pdf" }],
});
await smtp.sendMail({
  from: "auth@app.test", to: '"Alice A." <alice@example.test>', cc: "audit@corp.test",
  subject: "Reset your password",
  text: "Open https://app.test/reset?token=xyz to continue.",
  headers: { "List-Unsubscribe": "<https://app.test/unsub>" },
});

const info = await mailpit.getInfo();
assert.equal(info.Messages, 2);
assert.match(info.Version, /^bounceback-/);

const list = await mailpit.listMessages();
assert.equal(list.total, 2);
assert.equal(list.messages_count, 2);
assert.equal(list.count, 2);
assert.equal(list.messages[0].Subject, "Reset your password");  // newest first
assert.equal(list.messages[1].From.Address, "shop@store.test");
assert.equal(list.messages[1].From.Name, "Shop");
assert.equal(list.messages[1].Attachments, 1);
assert.equal(list.messages[1].Snippet, "Merci pour votre achat.");
const paged = await mailpit.listMessages(1, 1);
assert.equal(paged.count, 1);
assert.equal(paged.messages[0].Subject, "Votre reçu");

const latest = await mailpit.getMessageSummary();  // "latest"
assert.equal(latest.Subject, "Reset your password");
assert.deepEqual(latest.To, [{ Name: "Alice A.", Address: "alice@example.test" }]);
assert.deepEqual(latest.Cc, [{ Name: "", Address: "audit@corp.test" }]);
assert.match(latest.Text, /https:\/\/app\.test\/reset\?token=xyz/);
assert.deepEqual(latest.ListUnsubscribe.Links, ["https://app.test/unsub"]);

const receipt = await mailpit.getMessageSummary(list.messages[1].ID);
assert.equal(receipt.Subject, "Votre reçu");
assert.equal(receipt.Text.trim(), "Merci pour votre achat.");
assert.equal(receipt.HTML.trim(), "<p>Merci <b>beaucoup</b></p>");
assert.equal(receipt.Attachments.length, 1);
const [att] = receipt.Attachments;
assert.equal(att.FileName, "reçu.pdf");
assert.equal(att.ContentType, "application/pdf");
assert.equal(att.Size, pdf.length);
const blob = await mailpit.getMessageAttachment(receipt.ID, att.PartID);
assert.deepEqual(Buffer.from(await blob.arrayBuffer()), pdf);

const headers = await mailpit.getMessageHeaders(receipt.ID);
assert.deepEqual(headers.Subject, ["=?UTF-8?Q?Votre_re=C3=A7u?="]);  // as written, as Mailpit
assert.equal(headers.To[0], "bob@example.test");
const raw = await mailpit.getMessageSource(receipt.ID);
assert.match(raw, /^Received: from /);
assert.match(raw, /\r\nSubject: =\?UTF-8\?/);

const byTo = await mailpit.searchMessages({ query: "to:bob@example.test" });
assert.equal(byTo.messages_count, 1);
assert.equal(byTo.total, 2);
assert.equal(byTo.messages[0].Subject, "Votre reçu");
assert.equal((await mailpit.searchMessages({ query: "from:auth@app.test" })).messages_count, 1);
assert.equal((await mailpit.searchMessages({ query: 'subject:"reset your"' })).messages_count, 1);
assert.equal((await mailpit.searchMessages({ query: "token=xyz" })).messages_count, 1);
assert.equal((await mailpit.searchMessages({ query: "to:audit@corp.test" })).messages_count, 1);
assert.equal((await mailpit.searchMessages({ query: "-subject:reset" })).messages_count, 1);
await assert.rejects(mailpit.searchMessages({ query: "is:unread" }), /400/);

const waited = await mailpit.waitForMessage({ query: "subject:Reset" }, { timeout: 2000 });
assert.equal(waited.Subject, "Reset your password");
await assert.rejects(mailpit.getMessageSummary("no-such-id"), /404/);

assert.equal(await mailpit.deleteMessages({ IDs: [receipt.ID] }), "ok");
assert.equal((await mailpit.listMessages()).total, 1);
assert.equal(await mailpit.deleteMessagesBySearch({ query: "subject:Reset" }), "ok");
assert.equal((await mailpit.listMessages()).total, 0);
await smtp.sendMail({ from: "a@app.test", to: "b@example.test", subject: "x", text: "x" });
assert.equal(await mailpit.deleteMessages(), "ok");
assert.equal((await mailpit.getInfo()).Messages, 0);
await assert.rejects(mailpit.getMessageSummary(), /404/);  // no latest message

console.log("mailpit-api: ok");
