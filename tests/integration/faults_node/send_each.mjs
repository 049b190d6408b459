// Sends one message per argument "PORT SENDER RECIPIENT" with nodemailer and prints, as JSON,
// how each ended: accepted (its response) or the error's code, responseCode and message.
// Short timeouts: a fault that leaves the client waiting shows within seconds.
import nodemailer from "nodemailer";

const out = [];
for (const spec of process.argv.slice(2)) {
  const [port, from, to] = spec.split(" ");
  const transport = nodemailer.createTransport({
    host: "127.0.0.1", port: Number(port), secure: false, ignoreTLS: true,
    connectionTimeout: 3000, greetingTimeout: 1000, socketTimeout: 1500,
  });
  try {
    const info = await transport.sendMail({from, to, subject: "faults", text: "hi"});
    out.push({to, ok: true, response: info.response});
  } catch (e) {
    out.push({to, ok: false, code: e.code, responseCode: e.responseCode ?? null,
              message: e.message});
  }
}
// Exit once printed: the sockets that the timed-out faults left open (slow-lines pauses 20 s
// between lines) otherwise kept node alive for ~40 s after the last send.
process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(0));
