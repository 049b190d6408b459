// Drives Debian's chromium (puppeteer-core) through Bounceback's web page for
// tests/integration/test_web_page_browser.py. MODE picks the walk: `main` (timeline, filters,
// message view, search, live update, attempts, scenario, clock, narrow window), `token`
// (--api-token: the page asks once, then reads, downloads and listens with it), `hostile`
// (a message whose HTML has a script and a remote image; none load, then the image loads on
// request), `silent` (drops and hangs), `about` (a DSN and its original). When the walk needs mail sent in the
// middle, it prints "need NAME" and waits for a line on stdin (the Python test sends it with
// smtplib). Screenshots go to SHOTS. Prints "page: ok" at the end; any failure exits 1.
import puppeteer from 'puppeteer-core';
import { createInterface } from 'node:readline';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const { API, MODE, SHOTS, CHROMIUM, DOWNLOADS, TOKEN } = process.env;
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function need(name) {
  console.log('need ' + name);
  await lines.next();
}
function check(ok, what) {
  if (!ok) throw new Error('failed: ' + what);
  console.log('ok: ' + what);
}
const sleep = ms => new Promise(r => setTimeout(r, ms));

const browser = await puppeteer.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const problems = [];
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on('console', m => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: DOWNLOADS });
  const text = sel => page.$eval(sel, e => e.innerText);
  const shot = name => page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
  const rows = () => page.$$eval('#timeline-rows tr', trs => trs.map(t => t.innerText));
  const waitText = (sel, s, timeout = 5000) =>
    page.waitForFunction((sel, s) => document.querySelector(sel)?.innerText.includes(s), { timeout }, sel, s);
  async function downloaded(name) {
    for (let i = 0; i < 50; i++) {
      const path = join(DOWNLOADS, name);
      if (existsSync(path) && !readdirSync(DOWNLOADS).some(f => f.endsWith('.crdownload')))
        return readFileSync(path);
      await sleep(100);
    }
    throw new Error('no download ' + name + ' in ' + readdirSync(DOWNLOADS));
  }

  if (MODE === 'main') {
    await page.goto(API + '/');
    await waitText('#timeline-rows', '550 5.1.1');
    const all = await rows();
    check(all.length === 3, 'the timeline shows the message and both refusals: ' + all.length);
    check(all.some(r => r.includes('User unknown') && r.includes('550-5.1.1@reply.test')), 'the 550 with its text and recipient');
    check(all.some(r => r.includes('451 4.7.1') && r.includes('rcpt')), 'the 451 with its stage');
    check((await text('#counts')).includes('1 accepted, 1 temporary, 1 permanent'), 'the counts');
    await shot('timeline');
    // Filters, by keyboard: focus the radio and press space.
    await page.focus('input[value="permanent"]');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr').length === 1);
    check((await rows())[0].includes('550'), 'permanent shows the 550 only');
    await page.click('input[value="temporary"]');
    await waitText('#timeline-rows', '451');
    check((await rows()).length === 1 && !(await rows())[0].includes('550'), 'temporary shows the 451 only');
    await page.click('input[value="accepted"]');
    await waitText('#timeline-rows', 'Welcome aboard');
    check((await rows()).length === 1, 'accepted shows the message only');
    await page.click('input[value="all"]');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr').length === 3);

    // The message view, opened with the keyboard (a real button: Tab reaches it, Enter opens).
    await page.focus('tr.message button.link');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#message .tabs');
    check((await text('#message-title')).includes('Welcome aboard'), 'the message view opens');
    check((await text('#message .tab-body')).includes('https://app.example.test/reset?t=abc'), 'its text');
    await shot('message-text');
    await page.click('button[data-tab="HTML"]');
    const frameHandle = await page.waitForSelector('iframe.mail');
    check(await frameHandle.evaluate(f => f.getAttribute('sandbox') === ''), 'the HTML frame is sandboxed, no scripts');
    const frame = await frameHandle.contentFrame();
    await frame.waitForFunction(() => document.body && document.body.innerText.includes('Hello there'));
    check(await frame.evaluate(() => getComputedStyle(document.querySelector('b')).fontWeight >= 600), 'its HTML, rendered');
    await shot('message-html');
    await page.click('button[data-tab="Headers"]');
    check((await text('#message .tab-body')).includes('Subject'), 'the headers');
    await page.click('button[data-tab="Raw"]');
    await waitText('#message .tab-body', 'Content-Type: multipart');
    check(true, 'the raw source');
    await page.click('button[data-tab="Envelope"]');
    const envelope = await text('#message .tab-body');
    check(envelope.includes('RCPT TO') && envelope.includes('user@example.test') && envelope.includes('FAILURE'),
          'the envelope with its DSN NOTIFY');
    check(envelope.includes('ENVID') && envelope.includes('QQ314159'), 'the DSN ENVID: ' + envelope);
    await page.click('button[data-tab="Transcript"]');
    await page.waitForSelector('#message pre.transcript .refused');
    const refused = await page.$$eval('#message pre.transcript .refused', s => s.map(x => x.innerText));
    check(refused.some(l => l.startsWith('S: 550')) && refused.some(l => l.startsWith('S: 451')),
          'the transcript highlights the refused replies');
    await shot('message-transcript');
    await page.click('button[data-tab="Attachments (1)"]');
    await page.click('#message .tab-body button');
    check((await downloaded('facture.pdf')).toString() === '%PDF-1.4 test', 'the attachment downloads');
    await page.click('button[data-tab="Attempts"]');
    await page.waitForSelector('#message .chart svg circle');
    check(true, 'the recipient\'s attempt chart');

    // Search (query=): back to the timeline with the matches only.
    await page.type('#query', 'subject:Welcome');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#counts').innerText.includes('matching'));
    check((await rows()).length === 1 && (await rows())[0].includes('Welcome aboard'), 'search finds the message (refusals have no subject)');
    await page.$eval('#query', e => { e.value = ''; });
    await page.type('#query', 'to:550-5.1.1@reply.test');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr.refusal').length === 1 &&
                                     document.querySelectorAll('#timeline-rows tr').length === 1);
    check((await rows())[0].includes('User unknown'), 'search finds a refusal by its recipient');
    check((await text('#counts')).includes('matching: 0 accepted, 0 temporary, 1 permanent'), 'the counts of the matches');
    await page.$eval('#query', e => { e.value = ''; });
    await page.type('#query', '"451 4.7.1"');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr').length === 1 &&
                                     document.querySelector('#timeline-rows tr').innerText.includes('451'));
    check(true, 'search finds a refusal by its reply');
    await page.$eval('#query', e => { e.value = ''; });
    await page.type('#query', 'to:nobody@example.test');
    await page.keyboard.press('Enter');
    await waitText('#timeline-rows', 'Nothing matches');
    check(true, 'search with no match');
    await page.$eval('#query', e => { e.value = ''; });
    await page.click('#search button');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr').length === 3);

    // A live update: new mail shows up without a reload.
    await page.waitForFunction(() => document.querySelector('#live').innerText === 'live');
    await page.evaluate(() => { window.notReloaded = true; });
    await need('live');
    await waitText('#timeline-rows', 'Sent while watching', 10000);
    await waitText('#timeline-rows', '552 5.2.2', 10000);
    check(await page.evaluate(() => window.notReloaded === true), 'a live update without reload');

    // The attempts of the whole run, as a chart.
    await page.click('nav button[data-view="attempts"]');
    await page.waitForSelector('#attempts-body svg');
    const dots = await page.$$eval('#attempts-body svg circle', c => c.map(x => x.getAttribute('class')));
    check(dots.includes('dot permanent') && dots.includes('dot temporary') && dots.includes('dot accepted'),
          'the run\'s chart colours each attempt by class');
    await need('retries');
    await page.click('#attempts-form button');
    await page.waitForFunction(() => [...document.querySelectorAll('#attempts-body svg text.gap')].some(t => t.textContent.includes('10m')));
    check(true, 'the gap between two attempts is labelled');
    await page.$eval('#attempts-rcpt', e => { e.value = 'retry@example.test'; });
    await page.click('#attempts-form button');
    await page.waitForFunction(() => document.querySelectorAll('#attempts-body svg circle').length === 2);
    check(true, 'one recipient\'s timeline');
    await shot('attempts');

    // The scenario: a bad one is refused at its line and column, a good one swapped in.
    await page.click('nav button[data-view="scenario"]');
    await page.waitForFunction(() => document.querySelector('#scenario-text').value.includes('accept-all'));
    const bad = 'name = "bad"\n[[rule]]\non = "rcpt"\nattempts = "x-y"\nreply = "450 4.2.0 later"\n';
    await page.$eval('#scenario-text', (e, v) => { e.value = v; }, bad);
    await page.click('#scenario-form button[type="submit"]');
    await page.waitForSelector('#scenario-errors li button');
    const error = await text('#scenario-errors');
    check(/line 4, column \d+/.test(error) && error.includes('attempts'), 'the error names line and column: ' + error);
    await page.click('#scenario-errors li button');
    const caret = await page.$eval('#scenario-text', e => e.value.slice(0, e.selectionStart).split('\n').length);
    check(caret === 4, 'the error moves the caret to its line');
    await shot('scenario-error');
    const good = 'name = "page-test"\n[[rule]]\non = "rcpt"\nrcpt = "blocked@example.test"\nreply = "550 5.7.1 Blocked by the page"\n';
    await page.$eval('#scenario-text', (e, v) => { e.value = v; }, good);
    await page.click('#scenario-form button[type="submit"]');
    await waitText('#scenario-status', 'in force: page-test');
    check(true, 'a good scenario is swapped in');
    // The clock.
    await page.$eval('#clock-by', e => { e.value = '2h'; });
    await page.click('#clock-form button');
    await waitText('#clock-offset', '2h 10m ahead');  // 10 minutes for the retries, then 2 hours
    check(true, 'the clock advanced');
    await shot('scenario');

    // A narrow window: no horizontal scrolling of the page itself.
    await page.click('nav button[data-view="timeline"]');
    await page.setViewport({ width: 420, height: 800 });
    await sleep(300);
    check(await page.evaluate(() => document.documentElement.scrollWidth <= 430), 'readable on a narrow window');
    await shot('narrow');
  } else if (MODE === 'token') {
    await page.goto(API + '/');
    await page.waitForSelector('#token-dialog[open]');
    await shot('token');
    await page.type('#token-input', TOKEN);
    await page.keyboard.press('Enter');
    await waitText('#timeline-rows', '550 5.1.1');
    check(true, 'with the token the timeline loads');
    check(await page.evaluate(() => sessionStorage.getItem('bounceback-token')) === TOKEN, 'kept in sessionStorage');
    await page.reload();
    await waitText('#timeline-rows', '550 5.1.1');
    check(!(await page.$('#token-dialog[open]')), 'asked once: not again after a reload');
    await page.waitForFunction(() => document.querySelector('#live').innerText === 'live');
    await need('live');
    await waitText('#timeline-rows', 'Sent while watching', 10000);
    check(true, 'live updates with the token');
    const id = await page.$$eval('tr.message', trs => trs.find(t => t.innerText.includes('Welcome aboard')).dataset.id);
    await page.evaluate(id => document.querySelector(`tr.message[data-id="${id}"] button.link`).click(), id);
    await page.waitForSelector('#message .tabs');
    await page.click('button[data-tab="HTML"]');
    await page.click('#load-remote');
    const framed = await (await page.waitForSelector('iframe.mail[data-remote]')).contentFrame();
    await framed.waitForFunction(() => document.body && document.body.innerText.includes('Hello there'));
    check(true, 'the capability opens the HTML view without the token');
    await page.click('#message .toolbar button:nth-child(2)');  // Download .eml
    const files = async () => { for (let i = 0; i < 50; i++) { const f = readdirSync(DOWNLOADS).filter(x => x.endsWith('.eml')); if (f.length) return f; await sleep(100); } return []; };
    const eml = (await files())[0];
    check(eml && readFileSync(join(DOWNLOADS, eml)).toString().includes('Subject: '), 'the raw download carries the token: ' + eml + ' ' + id);
  } else if (MODE === 'paging') {
    // 40 messages and 40 refusals: two pages of the merged timeline, 50 then 30 rows, each row
    // once, newest first across both lists.
    await page.goto(API + '/');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr').length === 50);
    const key = () => page.$$eval('#timeline-rows tr', trs => trs.map(t => t.children[3].innerText + ' ' + t.children[4].innerText));
    const first = await key();
    check((await text('#page-label')) === 'page 1' && await page.$eval('#newer', b => b.disabled), 'page 1 of the timeline');
    await page.click('#older');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr').length === 30);
    const second = await key();
    check(await page.$eval('#older', b => b.disabled), 'page 2 is the last');
    const all = [...first, ...second];
    check(new Set(all).size === 80, 'every message and refusal once across the pages: ' + new Set(all).size);
    const numbers = all.map(k => Number((k.match(/n(\d+)/) || [])[1]));
    check(numbers.every((n, i) => i === 0 || n <= numbers[i - 1]), 'newest first across both lists: ' + numbers.join(','));
    await page.click('#newer');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr').length === 50);
    check(JSON.stringify(await key()) === JSON.stringify(first), 'back to page 1');
    await page.click('input[value="permanent"]');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr').length === 40);
    check(true, 'the 40 refusals on one page of their own');
  } else if (MODE === 'budget') {
    // --api-scan-budget 4 and 10 messages, only the oldest with the subject searched for: the
    // first answers say "more" with nothing found, and Older reads on until it is found.
    await page.goto(API + '/');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr').length === 10);
    await page.type('#query', 'subject:needle');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#timeline-rows').innerText.includes('searched so far'));
    check((await text('#counts')).includes('0+ accepted'), 'the count says only part was read: ' + await text('#counts'));
    let pages = 1;
    while (!(await page.$eval('#timeline-rows', t => t.innerText.includes('needle'))) && pages < 6) {
      check(!(await page.$eval('#older', b => b.disabled)), 'Older searches on from page ' + pages);
      await page.click('#older');
      pages++;
      await page.waitForFunction(n => document.querySelector('#page-label').innerText === 'page ' + n, {}, pages);
    }
    check((await rows()).some(r => r.includes('needle')), 'the oldest message found by reading on, on page ' + pages);
    check(pages === 3, 'three reads of four messages each reach the tenth: page ' + pages);
  } else if (MODE === 'silent') {
    // Refusals without a reply: a drop, a reset and a hang, each with its outcome as badge.
    await page.goto(API + '/');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr.refusal').length === 4);
    const outcomes = await page.$$eval('#timeline-rows tr.refusal', trs => trs.map(t => t.dataset.outcome));
    check(JSON.stringify(outcomes) === JSON.stringify(['hang', 'reset', 'drop', 'reply']), 'each refusal with its outcome: ' + outcomes);
    const all = await rows();
    check(all[0].includes('hang') && all[0].includes('no reply') && all[0].includes('hang@example.test'), 'a hang reads as no reply: ' + all[0]);
    check(all[1].includes('reset') && all[1].includes('RST'), 'a reset: ' + all[1]);
    check(all[2].includes('drop') && all[2].includes('connection closed'), 'a drop: ' + all[2]);
    check((await text('#counts')).includes('3 temporary, 1 permanent'), 'drops and hangs count as temporary');
    await shot('timeline-drops');
    await page.type('#query', 'hang');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#timeline-rows tr').length === 1);
    check((await rows())[0].includes('hang@example.test'), 'search finds the hang by its outcome');
  } else if (MODE === 'about') {
    // A DSN links to the message it is about, and that message to the DSN.
    await page.goto(API + '/');
    await waitText('#timeline-rows', 'Undelivered Mail');
    const original = await page.$$eval('tr.message', trs => trs.find(t => t.innerText.includes('Order 42')).dataset.id);
    await page.evaluate(id => document.querySelector(`tr.message[data-id="${id}"] button.link`).click(), original);
    await page.waitForSelector('#related [data-role="replies"] button.link');
    const reply = await text('#related');
    check(reply.includes('Generated about it') && reply.includes('dsn') && reply.includes('Undelivered Mail Returned to Sender'),
          'the original lists the DSN generated about it: ' + reply);
    await shot('message-generated-replies');
    await page.click('#related [data-role="replies"] button.link');
    await waitText('#message-title', 'Undelivered Mail');
    await page.waitForSelector('#related [data-role="about"] button.link');
    check((await text('#related')).includes('About') && (await text('#related')).includes('Order 42'),
          'the DSN links to its original');
    check(!(await page.$('#related [data-role="replies"]')), 'nothing was generated about the DSN');
    await shot('message-about');
    await page.click('#related [data-role="about"] button.link');
    await waitText('#message-title', 'Order 42');
    check(decodeURIComponent(await page.evaluate(() => location.hash)).includes(original), 'back at the original');
  } else if (MODE === 'hostile') {
    await page.goto(API + '/');
    await waitText('#timeline-rows', 'Hostile');
    await page.click('tr.message button.link');
    await page.waitForSelector('#message .tabs');
    await page.click('button[data-tab="HTML"]');
    const frame = await (await page.waitForSelector('iframe.mail')).contentFrame();
    await frame.waitForFunction(() => document.body && document.body.innerText.includes('Look at this'));
    await sleep(1500);  // time for a script or an image load to happen, if allowed
    check(await page.evaluate(() => document.title) === 'Bounceback', 'the page title is untouched');
    check(await frame.evaluate(() => document.title !== 'script ran'), 'the message\'s script did not run');
    check(await frame.evaluate(() => !document.querySelector('img').complete || document.querySelector('img').naturalWidth === 0),
          'the remote image did not load');
    await shot('hostile');
    await need('nothing-loaded');  // the test's listener got no request
    // On request: the HTML framed as its own document, remote images allowed, scripts not.
    await page.click('#load-remote');
    const remote = await (await page.waitForSelector('iframe.mail[data-remote]')).contentFrame();
    check(await page.$eval('iframe.mail[data-remote]', f => f.getAttribute('sandbox') === '' && f.src.includes('capability=')),
          'the remote view is a sandboxed frame of a capability URL');
    await remote.waitForFunction(() => document.body && document.body.innerText.includes('Look at this'));
    await remote.waitForFunction(() => { const i = document.querySelector('img'); return i && i.complete && i.naturalWidth > 0; },
                                 { timeout: 5000 });
    check(true, 'after the click the remote image loaded');
    await sleep(1500);
    check(await page.evaluate(() => document.title) === 'Bounceback', 'the page title is still untouched');
    check(await remote.evaluate(() => document.title !== 'script ran'), 'the message\'s script did not run in the remote view');
    check((await text('#message .tab-body')).includes('Remote images loaded'), 'the view says remote images are loaded');
    await shot('hostile-remote');
    await need('image-loaded');
  }
  if (problems.length) console.log('browser console: ' + problems.join(' | '));
  console.log('page: ok');
} catch (e) {
  console.log(String(e.stack || e));
  if (problems.length) console.log('browser console: ' + problems.join(' | '));
  process.exitCode = 1;
} finally {
  await browser.close();
  process.exit();
}
