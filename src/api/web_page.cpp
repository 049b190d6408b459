// The page's HTML, CSS and script, embedded in the binary: no framework, no build step. It
// polls the JSON API every two seconds; an API token, when needed, is kept in localStorage.
#include "api/web_page.hpp"

#include <openssl/evp.h>

#include "smtp/base64.hpp"

namespace bounceback::api {

std::string_view web_page() {
  static constexpr std::string_view page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Bounceback</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #ddd; vertical-align: top; }
th { background: #f4f4f4; } code, pre { font: 12px ui-monospace, monospace; }
pre { background: #f8f8f8; padding: 8px; max-height: 24em; overflow: auto; white-space: pre-wrap; }
.in { color: #05a; } .out { color: #080; } .muted { color: #888; }
</style>
</head>
<body>
<h1>Bounceback</h1>
<p class="muted">SMTP test double. API: <a href="/api/v1/messages">/api/v1/messages</a>,
<a href="/api/v1/sessions">/api/v1/sessions</a>, <a href="/api/v1/scenario">/api/v1/scenario</a>,
<a href="/metrics">/metrics</a>.
<label>API token <input id="token" type="password" size="16"></label>
<button id="clear">Delete all messages</button></p>
<h2>Messages <span id="mcount" class="muted"></span></h2>
<table><thead><tr><th>Received</th><th>From</th><th>To</th><th>Subject</th><th>Size</th><th>Raw</th></tr></thead>
<tbody id="messages"></tbody></table>
<h2>Sessions <span id="scount" class="muted"></span></h2>
<table><thead><tr><th>Started</th><th>Client</th><th>TLS</th><th>User</th><th>Transcript</th></tr></thead>
<tbody id="sessions"></tbody></table>
<script>
const tokenInput = document.getElementById('token');
tokenInput.value = localStorage.getItem('bounceback-token') || '';
tokenInput.onchange = () => localStorage.setItem('bounceback-token', tokenInput.value);
function headers() {
  return tokenInput.value ? { Authorization: 'Bearer ' + tokenInput.value } : {};
}
function text(s) { const d = document.createElement('div'); d.textContent = s ?? ''; return d.innerHTML; }
async function get(path) {
  const r = await fetch(path, { headers: headers() });
  if (!r.ok) throw new Error(path + ': ' + r.status);
  return r.json();
}
async function refresh() {
  try {
    const m = await get('/api/v1/messages?limit=200');
    document.getElementById('mcount').textContent = '(' + m.total + ')';
    document.getElementById('messages').innerHTML = m.messages.map(x =>
      '<tr><td>' + text(x.received_at) + '</td><td>' + text(x.from) + '</td><td>' +
      text(x.to.join(', ')) + '</td><td>' + text(x.subject) + '</td><td>' + x.size +
      '</td><td><a href="/api/v1/messages/' + encodeURIComponent(x.id) + '/raw">raw</a></td></tr>').join('');
    // Leave the sessions table alone while a transcript is open, so it does not collapse.
    if (document.querySelector('#sessions details[open]')) return;
    const s = await get('/api/v1/sessions?limit=50');
    document.getElementById('scount').textContent = '(' + s.total + ')';
    document.getElementById('sessions').innerHTML = s.sessions.map(x =>
      '<tr><td>' + text(x.started_at) + '</td><td>' + text(x.client_ip) + '</td><td>' +
      (x.tls ? 'yes' : 'no') + '</td><td>' + text(x.auth_user) + '</td><td><details><summary>' +
      x.transcript.length + ' lines</summary><pre>' + x.transcript.map((l, i) =>
        (x.elided && i === x.elided.after ? '... ' + x.elided.lines + ' lines / ' +
          x.elided.bytes + ' bytes elided ...\n' : '') +
        '<span class="' + l.dir + '">' + (l.dir === 'in' ? 'C: ' : 'S: ') + text(l.line) + '</span>').join('\n') +
      '</pre></details></td></tr>').join('');
  } catch (e) {
    document.getElementById('mcount').textContent = String(e);
  }
}
document.getElementById('clear').onclick = async () => {
  await fetch('/api/v1/messages', { method: 'DELETE', headers: headers() });
  refresh();
};
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
)html";
  return page;
}

namespace {

// "'sha256-BASE64'" of the text between the first `open` tag and its closing tag, as CSP
// Level 2 hashes an inline element's content.
std::string element_hash(std::string_view page, std::string_view open, std::string_view close) {
  const auto begin = page.find(open) + open.size();
  const std::string_view content = page.substr(begin, page.find(close, begin) - begin);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(content.data(), content.size(), digest, &size, EVP_sha256(), nullptr);
  return "'sha256-" +
         smtp::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), size)) + "'";
}

}  // namespace

const std::string& web_page_csp() {
  static const std::string csp =
      "default-src 'none'; script-src " + element_hash(web_page(), "<script>", "</script>") +
      "; style-src " + element_hash(web_page(), "<style>", "</style>") +
      "; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
      "frame-ancestors 'none'";
  return csp;
}

}  // namespace bounceback::api
