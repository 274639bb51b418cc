// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * novnc_check.mjs: drive noVNC in Debian's headless Chromium for the
 * integration tests, one command per line from the file COMMANDS (a FIFO;
 * "-" for stdin), one answer per line on stdout ("ok ..." or "error ...").
 *
 *   node novnc_check.mjs NODE_MODULES_DIR PROFILE_DIR COMMANDS [SPKI]
 *
 * NODE_MODULES_DIR holds playwright-core (tests/support/node-setup.sh).
 * PROFILE_DIR must not exist yet: it becomes Chromium's --user-data-dir.
 * With SPKI (the base64 SHA-256 of a public key), Chromium accepts a
 * certificate with that key (--ignore-certificate-errors-spki-list); any
 * other self-signed one still fails.
 *
 * Commands:
 *   open URL            load the page, wait until noVNC says "Connected";
 *                       ok WxH ws=URL-of-its-WebSocket
 *   match PPM SECONDS   wait until noVNC's canvas equals the P6 image PPM
 *                       pixel for pixel; ok ... jpegs=N, the number of
 *                       JPEG rectangles the page has drawn; the error names
 *                       how many pixels differ and the first one, and the
 *                       canvas is saved as PPM.canvas.ppm
 *   click X Y BUTTON    click at canvas pixel X,Y with button 1, 2 or 3
 *   type TEXT           type TEXT (the rest of the line), holding Shift
 *                       where a US keyboard needs it
 *   quit
 * Chromium's and noVNC's console messages go to stderr.
 */
import { createRequire } from 'node:module';
import { constants, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

const [modules, profile, commands, spki] = process.argv.slice(2);
if (!modules || !profile || !commands) {
    console.error(
        'usage: novnc_check.mjs NODE_MODULES PROFILE COMMANDS [SPKI]');
    process.exit(2);
}
const require = createRequire(path.join(path.resolve(modules), 'x.js'));
const { chromium } = require('playwright-core');

const CHROMIUM = '/usr/bin/chromium';
const BUTTONS = { 1: 'left', 2: 'middle', 3: 'right' };

function note(msg) {
    const t = new Date().toISOString();
    process.stderr.write(`[novnc_check ${t}] ${msg}\n`);
}

// Only the switches the tests want; Playwright's own defaults are left
// out, except the pipe it talks to Chromium through.
function chromiumArgs() {
    const args = [
        '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
        '--disable-background-networking', '--disable-component-update',
        '--disable-sync', `--user-data-dir=${profile}`,
        '--remote-debugging-pipe',
    ];
    if (spki)
        args.push(`--ignore-certificate-errors-spki-list=${spki}`);
    return args;
}

function readPpm(file) {
    const data = readFileSync(file);
    // "P6 W H 255" and one whitespace byte, then RGB triples
    const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(
        data.subarray(0, 64).toString('latin1'));
    if (!m)
        throw new Error(`${file}: not a P6 PPM with maxval 255`);
    const head = m[0].length;
    const w = +m[1], h = +m[2];
    if (data.length < head + w * h * 3)
        throw new Error(`${file}: truncated`);
    return { w, h, rgb: data.subarray(head, head + w * h * 3) };
}

function writePpm(file, w, h, rgb) {
    writeFileSync(file, Buffer.concat([
        Buffer.from(`P6\n${w} ${h}\n255\n`), rgb]));
}

/* In the page: noVNC's canvas against window.__ref ({ w, h, rgb }), and
 * the canvas itself as base64 RGB if asked.  Runs in Chromium, so it
 * cannot use anything above. */
function pageCompare(wantCanvas) {
    const c = document.querySelector('#screen canvas');
    if (!c)
        return { err: 'no canvas' };
    const ref = window.__ref;
    const css = c.getBoundingClientRect();
    const res = {
        w: c.width, h: c.height, cssW: css.width, cssH: css.height,
        diff: 0, images: window.__images,
    };
    if (c.width !== ref.w || c.height !== ref.h)
        res.diff = -1;  // and no comparing
    const img = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    const d = img.data;
    const r = ref.rgb;
    for (let i = 0, j = 0; res.diff >= 0 && i < d.length; i += 4, j += 3) {
        if (d[i] === r[j] && d[i + 1] === r[j + 1] &&
            d[i + 2] === r[j + 2] && d[i + 3] === 255)
            continue;
        if (res.diff++ === 0)
            res.first = {
                x: (i / 4) % c.width, y: Math.floor(i / 4 / c.width),
                canvas: [d[i], d[i + 1], d[i + 2], d[i + 3]],
                want: [r[j], r[j + 1], r[j + 2]],
            };
    }
    if (wantCanvas) {
        let s = '';
        for (let i = 0; i < d.length; i += 4)
            s += String.fromCharCode(d[i], d[i + 1], d[i + 2]);
        res.canvas = btoa(s);
    }
    return res;
}

function hex(a) {
    return '#' + a.map((v) => v.toString(16).padStart(2, '0')).join('');
}

class Driver {
    async start() {
        this.browser = await chromium.launch({
            executablePath: CHROMIUM,
            ignoreDefaultArgs: true,
            args: chromiumArgs(),
            timeout: 30000,
            // ours below: exit at once, which kills Chromium
            handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
        });
        note(`chromium ${this.browser.version()}: ` +
             chromiumArgs().join(' '));
        this.context = await this.browser.newContext({
            viewport: { width: 1280, height: 1024 },
            deviceScaleFactor: 1,
        });
        // noVNC draws Tight's JPEG rectangles as <img>s, everything
        // else with putImageData or from a canvas: count the JPEGs.
        await this.context.addInitScript(() => {
            const proto = CanvasRenderingContext2D.prototype;
            const draw = proto.drawImage;
            window.__images = 0;
            proto.drawImage = function (src, ...rest) {
                if (src instanceof HTMLImageElement)
                    window.__images++;
                return draw.call(this, src, ...rest);
            };
        });
        this.page = await this.context.newPage();
        this.sockets = [];
        this.page.on('websocket', (ws) => {
            this.sockets.push(ws.url());
            note(`websocket ${ws.url()}`);
            ws.on('close', () => note(`websocket closed ${ws.url()}`));
            ws.on('socketerror', (e) => note(`websocket error ${e}`));
        });
        this.page.on('console',
                     (m) => note(`console.${m.type()}: ${m.text()}`));
        this.page.on('pageerror', (e) => note(`page error: ${e.message}`));
        this.page.on('requestfailed', (r) => note(
            `request failed: ${r.url()} ${r.failure()?.errorText}`));
    }

    async open(url) {
        const resp = await this.page.goto(url, { timeout: 15000 });
        if (!resp || !resp.ok())
            return `error GET ${url}: ` +
                (resp ? resp.status() : 'no response');
        const status = this.page.locator('#status');
        // vnc_lite.html's status line: "Connecting", then "Connected
        // to NAME", "Disconnected" or "Something went wrong, ..."
        try {
            await this.page.waitForFunction(() => {
                const t = document.querySelector('#status').textContent;
                return /^(Connected|Disconnected|Something)/.test(t);
            }, null, { timeout: 15000, polling: 50 });
        } catch (e) {
            const t = await status.textContent();
            return `error not connected after 15 s: status "${t}"`;
        }
        const text = await status.textContent();
        if (!text.startsWith('Connected'))
            return `error noVNC says "${text}"`;
        const c = this.page.locator('#screen canvas');
        const size = await c.evaluate((e) => `${e.width}x${e.height}`);
        return `ok ${size} ws=${this.sockets.at(-1) ?? 'none'}`;
    }

    async match(file, seconds) {
        const ref = readPpm(file);
        const b64 = Buffer.from(ref.rgb).toString('base64');
        await this.page.evaluate((r) => {
            const bin = atob(r.b64);
            const rgb = new Uint8Array(bin.length);
            for (let i = 0; i < bin.length; i++)
                rgb[i] = bin.charCodeAt(i);
            window.__ref = { w: r.w, h: r.h, rgb };
        }, { w: ref.w, h: ref.h, b64 });
        const t0 = Date.now();
        let tries = 0, res;
        for (;;) {
            res = await this.page.evaluate(pageCompare, false);
            tries++;
            if (res.err)
                return `error ${res.err}`;
            if (res.diff === 0)
                break;
            if (Date.now() - t0 > seconds * 1000)
                return this.mismatch(file, ref);
            await new Promise((r) => setTimeout(r, 100));
        }
        // 1:1: the canvas is shown at its own size, not scaled by CSS
        if (res.cssW !== res.w || res.cssH !== res.h)
            return `error canvas ${res.w}x${res.h} is shown ` +
                `scaled to ${res.cssW}x${res.cssH}`;
        return `ok equal after ${Date.now() - t0} ms (${tries} looks) ` +
            `jpegs=${res.images}`;
    }

    async mismatch(file, ref) {
        const full = await this.page.evaluate(pageCompare, true);
        writePpm(`${file}.canvas.ppm`, full.w, full.h,
                 Buffer.from(full.canvas, 'base64'));
        if (full.diff < 0)
            return `error canvas is ${full.w}x${full.h}, ` +
                `display ${ref.w}x${ref.h}`;
        const f = full.first;
        return `error ${full.diff} pixels differ, ` +
            `first at ${f.x},${f.y}: ` +
            `canvas ${hex(f.canvas)} display ${hex(f.want)}`;
    }

    async click(x, y, button) {
        const canvas = this.page.locator('#screen canvas');
        const box = await canvas.boundingBox();
        if (!box)
            return 'error no canvas to click';
        await this.page.mouse.click(box.x + x + 0.5, box.y + y + 0.5,
                                    { button: BUTTONS[button] });
        return `ok clicked ${x},${y} (page ${box.x + x},${box.y + y})`;
    }

    // As a person types on a US keyboard: Shift held for the characters
    // on a key's second level.  keyboard.type() alone sends "H" on KeyH
    // without Shift, which noVNC forwards as the scancode of the h key
    // when the server takes QEMU extended key events.
    async type(text) {
        const kb = this.page.keyboard;
        for (const ch of text) {
            const shift = /[A-Z~!@#$%^&*()_+{}|:"<>?]/.test(ch);
            if (shift)
                await kb.down('Shift');
            await kb.press(ch, { delay: 5 });
            if (shift)
                await kb.up('Shift');
        }
        return `ok typed ${text.length} characters`;
    }

    async run(line) {
        const sp = line.indexOf(' ');
        const cmd = sp < 0 ? line : line.slice(0, sp);
        const rest = sp < 0 ? '' : line.slice(sp + 1);
        const a = rest.split(' ');
        switch (cmd) {
        case 'open': return this.open(rest);
        case 'match': return this.match(a[0], +(a[1] ?? 20));
        case 'click':
            if (!BUTTONS[a[2]])
                return `error no button ${a[2]}`;
            return this.click(+a[0], +a[1], a[2]);
        case 'type': return this.type(rest);
        default: return `error unknown command ${cmd}`;
        }
    }
}

// Playwright kills Chromium's process group when node exits; on its own
// it would only close the browser on a signal and leave node running.
for (const [sig, n] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]])
    process.on(sig, () => process.exit(128 + n));

const drv = new Driver();
try {
    await drv.start();
} catch (e) {
    const why = e.message.split('\n')[0];
    console.log(`error chromium did not start: ${why}`);
    process.exit(1);
}
console.log('ok ready');
// A FIFO read through a file stream blocks a libuv thread in read(), and
// then node cannot exit; as a non-blocking pipe it is polled like stdin.
const rl = readline.createInterface({
    input: commands === '-' ? process.stdin : new net.Socket({
        fd: openSync(commands,
                     constants.O_RDONLY | constants.O_NONBLOCK),
        readable: true, writable: false,
    }),
});
for await (const line of rl) {
    if (line === 'quit')
        break;
    let answer;
    try {
        answer = await drv.run(line);
    } catch (e) {
        const why = e.message.split('\n')[0];
        answer = `error ${line.split(' ')[0]}: ${why}`;
    }
    note(`${line} -> ${answer}`);
    console.log(answer);
}
rl.close();
await drv.browser.close();
process.exit(0);
