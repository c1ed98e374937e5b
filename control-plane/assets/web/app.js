// walink console: dashboard logic. No framework, no inline script (CSP),
// live through Server-Sent Events with EventSource reconnecting by itself.
'use strict';

const $ = (id) => document.getElementById(id);
const RTT_MAX = 30, CHANGES_MAX = 20;
// The whitelist shows one page of rows at a time, so 100 000 numbers cost
// what 100 do: render and search work on the array, the DOM holds a page.
const WL_PAGE = 50;
const TABS = ['whatsapp', 'settings', 'messages'];
const ui = { csrf: null, es: null, state: null, rtts: [], changes: [],
	numbers: [], numberSet: null, wlQuery: '', wlShown: null, wlShownFor: '', wlPage: 0,
	wlPrefetch: null, countdown: null, workerUp: true };

const GROUP = {
	connected: 'connected', unstable: 'unstable', restarting: 'restarting',
	starting: 'connecting', connecting: 'connecting', qr: 'connecting', pairing: 'connecting',
	disconnected: 'disconnected', logged_out: 'disconnected', conflict: 'disconnected',
	banned: 'disconnected', outdated: 'disconnected',
	passkey_required: 'disconnected', server_failure: 'disconnected',
};
const LABEL = {
	qr: 'waiting for scan', logged_out: 'logged out', unstable: 'unstable',
	server_failure: 'refused by WhatsApp',
};

// ---- helpers ------------------------------------------------------------

async function api(path, { method = 'GET', body } = {}) {
	const headers = {};
	if (method !== 'GET') {
		headers['content-type'] = 'application/json';
		if (ui.csrf) headers['x-csrf-token'] = ui.csrf;
	}
	let r;
	try {
		r = await fetch(walinkSessions.path(path), { method, headers, credentials: 'same-origin',
			body: body === undefined ? undefined : JSON.stringify(body) });
	} catch (e) {
		return { status: 0, body: { success: false, error: 'wa-control unreachable' } };
	}
	let j = {};
	try { j = await r.json(); } catch (e) { j = {}; }
	if (r.status === 401 && path !== '/api/auth/login') showLogin();
	if (r.status === 503) setWorker(false);
	return { status: r.status, body: j };
}

function normalise(text) {
	const s = String(text).trim();
	if (s === '') return { error: 'Enter a phone number.' };
	if (/[^0-9+\s\-.()]/.test(s)) return { error: 'Only digits, spaces and + - . ( ) are allowed.' };
	const d = s.replace(/[^0-9]/g, '');
	if (d.length < 10) return { error: `Too short: ${d.length} digits, at least 10 needed.` };
	if (d.length > 15) return { error: `Too long: ${d.length} digits, at most 15.` };
	if (d[0] === '0') return { error: 'Start with the country code: no number starts with 0.' };
	return { digits: d };
}

function fmtTime(iso) {
	if (!iso) return '—';
	const d = new Date(iso);
	return d.toLocaleTimeString([], { hour12: false });
}

function fmtDateTime(iso) {
	if (!iso) return '—';
	const d = new Date(iso);
	return d.toLocaleString([], { hour12: false, month: 'short', day: 'numeric',
		hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function fmtNumber(d) {
	return d ? '+' + d : '—';
}

let toastTimer = null;
function toast(msg, error = false) {
	const t = $('toast');
	t.textContent = msg;
	t.classList.toggle('error', error);
	t.hidden = false;
	clearTimeout(toastTimer);
	toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
}

function confirmAction(title, text, okLabel = 'Confirm') {
	const d = $('confirm');
	$('confirm-title').textContent = title;
	$('confirm-text').textContent = text;
	$('confirm-ok').textContent = okLabel;
	d.returnValue = '';
	return new Promise((resolve) => {
		d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
		d.showModal();
	});
}

function el(tag, cls, text) {
	const e = document.createElement(tag);
	if (cls) e.className = cls;
	if (text !== undefined) e.textContent = text;
	return e;
}

// ---- views --------------------------------------------------------------

function showLogin() {
	if (ui.es) { ui.es.close(); ui.es = null; }
	walinkSessions.stop();
	ui.csrf = null;
	$('app-view').hidden = true;
	$('signout').hidden = true;
	$('banner').hidden = true;
	$('login-view').hidden = false;
	$('live').hidden = true;
	$('password').focus();
}

async function showApp() {
	$('login-view').hidden = true;
	$('app-view').hidden = false;
	$('signout').hidden = false;
	$('live').hidden = false;
	await Promise.all([loadState(), loadWhitelist()]);
	connectEvents();
	await walinkSessions.start();	// sessions.js: the overview when there are many
}

// WAI-ARIA tabs: the selected tab alone is in the tab order (roving
// tabindex); arrow keys, Home and End move between tabs and select them.
function selectTab(name, focus = false) {
	for (const t of TABS) {
		const tab = $(`tab-${t}`);
		tab.setAttribute('aria-selected', String(t === name));
		tab.tabIndex = t === name ? 0 : -1;
		$(`panel-${t}`).hidden = t !== name;
	}
	if (focus) $(`tab-${name}`).focus();
	history.replaceState(null, '', `#${name}`);
}

function onTabKey(ev) {
	const i = TABS.findIndex((t) => $(`tab-${t}`) === ev.target);
	if (i < 0) return;
	const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[ev.key];
	if (to === undefined) return;
	ev.preventDefault();
	selectTab(TABS[(to + TABS.length) % TABS.length], true);
}

function setLive(cls, text) {
	const l = $('live');
	l.className = `live ${cls}`;
	l.textContent = text;
}

function setWorker(up) {
	ui.workerUp = up;
	const b = $('banner');
	b.hidden = up;
	if (!up) b.textContent = 'Worker unreachable: wa-worker is not answering. Retrying automatically…';
}

// ---- WhatsApp tab -------------------------------------------------------

function renderState(c) {
	const prev = ui.state;
	ui.state = c;
	const group = GROUP[c.state] || 'unknown';
	const badge = $('state-badge');
	badge.className = `badge ${group}`;
	const label = LABEL[c.state] || c.state.replace('_', ' ');
	badge.textContent = label.charAt(0).toUpperCase() + label.slice(1);
	badge.dataset.state = c.state;
	// screen readers hear each change of the link state once
	if (!prev || prev.state !== c.state)
		$('state-announce').textContent = `WhatsApp link: ${badge.textContent}` +
			(c.state === 'server_failure' && c.detail ? `: ${c.detail}` :
				c.reason && GROUP[c.state] === 'disconnected' ? ` (${c.reason})` : '');
	$('number').textContent = fmtNumber(c.connectedNumber);
	$('since').textContent = fmtDateTime(c.since);
	$('reason').textContent = c.reason || '—';
	$('strategy').textContent = c.banUntil ? `banned until ${fmtDateTime(c.banUntil)}` :
		(c.strategy || c.detail || '—');
	if (c.lastHeartbeat) setHeartbeatText(c.lastHeartbeat, c.rttMs);
	$('hb-dot').classList.toggle('alive', c.state === 'connected' || c.state === 'unstable');
	startCountdown(c.nextAttempt);
	renderQr(c, prev);
	if (prev && prev.state !== c.state)
		addChange({ timestamp: new Date().toISOString(), from: prev.state, to: c.state,
			reason: c.reason || 'NONE' });
	if (c.workerReachable !== undefined) setWorker(c.workerReachable);
}

function renderQr(c, prev) {
	const inQr = c.state === 'qr';
	$('qr-card').hidden = !inQr;
	$('qr-paused').hidden = !(inQr && c.qrPaused);
	const img = $('qr-img');
	img.hidden = inQr && c.qrPaused;
	if (inQr && !c.qrPaused && (!prev || prev.state !== 'qr' || prev.qrPaused))
		refreshQr();
}

function refreshQr() {
	$('qr-img').src = `${walinkSessions.path('/api/whatsapp/qr')}?t=${Date.now()}`;
	$('qr-age').textContent = `updated ${fmtTime(new Date().toISOString())}`;
}

function startCountdown(next) {
	clearInterval(ui.countdown);
	const out = $('next-attempt');
	if (!next) { out.textContent = '—'; return; }
	const tick = () => {
		const s = Math.round((Date.parse(next) - Date.now()) / 1000);
		out.textContent = s > 0 ? `in ${s} s (${fmtTime(next)})` : 'now';
		if (s <= 0) clearInterval(ui.countdown);
	};
	tick();
	ui.countdown = setInterval(tick, 1000);
}

function setHeartbeatText(ts, rtt) {
	$('hb-text').textContent = `${fmtTime(ts)} · ${rtt ?? '?'} ms`;
	$('rtt-now').textContent = rtt !== null && rtt !== undefined ? `${rtt} ms` : '—';
}

function onHeartbeat(h) {
	setHeartbeatText(h.timestamp, h.rttMs);
	const dot = $('hb-dot');
	dot.classList.add('alive');
	dot.classList.remove('pulse');
	void dot.offsetWidth;	// restart the animation
	dot.classList.add('pulse');
	ui.rtts.push(h.rttMs);
	if (ui.rtts.length > RTT_MAX) ui.rtts.shift();
	drawChart();
}

function drawChart() {
	const svg = $('rtt-chart'), ns = 'http://www.w3.org/2000/svg';
	const W = 300, H = 80, pad = 6;
	svg.replaceChildren();
	for (const y of [H / 3, (2 * H) / 3]) {
		const g = document.createElementNS(ns, 'line');
		g.setAttribute('class', 'grid-line');
		g.setAttribute('x1', 0); g.setAttribute('x2', W);
		g.setAttribute('y1', y); g.setAttribute('y2', y);
		svg.appendChild(g);
	}
	const v = ui.rtts;
	if (v.length < 2) return;
	const max = Math.max(...v) * 1.2 || 1;
	// newest point at the right edge; older ones scroll left
	const pts = v.map((r, i) => [W - (v.length - 1 - i) * (W / (RTT_MAX - 1)),
		H - pad - (r / max) * (H - 2 * pad)]);
	const line = pts.map((p) => p.map((n) => n.toFixed(1)).join(',')).join(' ');
	const area = document.createElementNS(ns, 'polygon');
	area.setAttribute('class', 'area');
	area.setAttribute('points', `${pts[0][0]},${H} ${line} ${pts[pts.length - 1][0]},${H}`);
	const pl = document.createElementNS(ns, 'polyline');
	pl.setAttribute('class', 'line');
	pl.setAttribute('points', line);
	svg.append(area, pl);
}

function addChange(ch, render = true) {
	ui.changes.unshift(ch);
	if (ui.changes.length > CHANGES_MAX) ui.changes.pop();
	if (render) renderChanges();
}

function renderChanges() {
	const ol = $('changes');
	ol.replaceChildren();
	if (ui.changes.length === 0) {
		ol.appendChild(el('li', 'muted', 'No changes yet.'));
		return;
	}
	for (const c of ui.changes) {
		const li = el('li');
		const t = el('time', '', fmtTime(c.timestamp));
		t.dateTime = c.timestamp;
		const down = GROUP[c.to] === 'disconnected' || c.to === 'restarting';
		const why = down && c.reason && c.reason !== 'NONE' ? ` (${c.reason})` : '';
		li.append(t, el('span', '', `${c.from.replace('_', ' ')} → ${c.to.replace('_', ' ')}${why}`));
		ol.appendChild(li);
	}
}

async function loadState() {
	const r = await api('/api/whatsapp/state');
	if (r.status !== 200) return;
	setWorker(true);
	ui.rtts = r.body.history.heartbeats.map((h) => h.rttMs);
	ui.changes = [];
	for (const c of r.body.history.changes) addChange(c, false);
	renderChanges();
	ui.state = null;
	renderState(r.body.connectionState);
	drawChart();
}

async function linkAction(path, title, text, ok, done) {
	if (!(await confirmAction(title, text, ok))) return;
	const r = await api(path, { method: 'POST' });
	toast(r.body.success ? done : (r.body.error || 'failed'), !r.body.success);
}

// ---- Settings tab -------------------------------------------------------

// The numbers matching the search box (its digits, anywhere in a number).
// A query that extends the last one narrows the last result instead of
// scanning every number again (typing digit by digit).
function wlShown() {
	const q = ui.wlQuery;
	if (ui.wlShown === null || ui.wlShownFor !== q) {
		const from = ui.wlShown !== null && ui.wlShownFor !== '' && q.includes(ui.wlShownFor) ?
			ui.wlShown : ui.numbers;
		ui.wlShown = q === '' ? ui.numbers : narrow(from, q);
		ui.wlShownFor = q;
	}
	return ui.wlShown;
}

// from's numbers that contain q; from itself when all do, so the first
// digits typed (which match nearly everything) allocate nothing.
function narrow(from, q) {
	let out = null;
	for (let i = 0; i < from.length; i++) {
		const hit = from[i].includes(q);
		if (!hit && out === null) out = from.slice(0, i);
		else if (hit && out !== null) out.push(from[i]);
	}
	return out === null ? from : out;
}

// Whether d is on the whitelist; the set is built on first use, not on
// every load, so 100 000 numbers paint first.
function isListed(d) {
	if (ui.numberSet === null) ui.numberSet = new Set(ui.numbers);
	return ui.numberSet.has(d);
}

function setWlQuery() {
	ui.wlQuery = $('wl-search').value.replace(/[^0-9]/g, '');
	ui.wlPage = 0;
	renderWhitelist();
}

function setWlPage(delta) {
	ui.wlPage += delta;
	renderWhitelist();
}

function renderWhitelist() {
	const ul = $('wl-list');
	ul.replaceChildren();
	const n = ui.numbers.length;
	$('count-badge').textContent = String(n);
	$('wl-count-text').textContent = `${n.toLocaleString('en')} number${n === 1 ? '' : 's'}`;
	const shown = wlShown();
	const pages = Math.max(1, Math.ceil(shown.length / WL_PAGE));
	ui.wlPage = Math.min(Math.max(ui.wlPage, 0), pages - 1);
	const first = ui.wlPage * WL_PAGE;
	const page = shown.slice(first, first + WL_PAGE);
	$('wl-prev').disabled = ui.wlPage === 0;
	$('wl-next').disabled = ui.wlPage >= pages - 1;
	$('wl-prev').closest('.pager').hidden = pages === 1;
	$('wl-page-text').textContent = shown.length === 0 ? '' :
		`${(first + 1).toLocaleString('en')}–${(first + page.length).toLocaleString('en')} of ` +
		`${shown.length.toLocaleString('en')}${shown === ui.numbers ? '' : ' matching'}`;
	if (n === 0) {
		ul.appendChild(el('li', 'empty', 'No numbers yet: nobody can use the bot.'));
		return;
	}
	if (shown.length === 0) {
		ul.appendChild(el('li', 'empty', 'No number matches the search.'));
		return;
	}
	const rows = document.createDocumentFragment();
	for (const d of page) {
		const li = el('li');
		li.dataset.number = d;
		const rm = el('button', 'btn ghost icon danger', 'Remove');
		rm.type = 'button';
		rm.setAttribute('aria-label', `remove ${d}`);
		li.append(el('span', 'num', fmtNumber(d)), rm);
		rows.appendChild(li);
	}
	ul.appendChild(rows);
}

// The whitelist is the largest answer (100 000 numbers are 1.4 MB): start()
// asks for it while the session is checked, loadWhitelist takes that answer
// once if it is good.
function prefetchWhitelist() {
	ui.wlPrefetch = fetch('/api/whitelist', { credentials: 'same-origin' })
		.then(async (res) => (res.status === 200 ? { status: 200, body: await res.json() } : null))
		.catch(() => null);
}

async function loadWhitelist() {
	const pre = ui.wlPrefetch;
	ui.wlPrefetch = null;
	const r = (pre && await pre) || await api('/api/whitelist');
	if (r.status !== 200) return;
	ui.numbers = r.body.numbers;
	ui.numberSet = null;
	ui.wlShown = null;
	renderWhitelist();
	renderFileRejects(r.body.fileRejects);
}

// Lines of the whitelist file the worker's last load left out: each was
// logged at load; shown here so an operator sees them without the log.
function renderFileRejects(fr) {
	const box = $('wl-rejects');
	box.replaceChildren();
	box.hidden = !fr || !fr.count;
	if (box.hidden) return;
	const n = fr.count;
	box.appendChild(el('p', '', `${n.toLocaleString('en')} line${n === 1 ? '' : 's'} of the ` +
		'whitelist file could not be read; those entries are not served. ' +
		(fr.inFile ? 'Fix them in media-auth-config.json, then reload the worker (kill -HUP).' :
			'A change saved since has left them out of the file; the file as it was is ' +
			'media-auth-config.json.bak until the next change.')));
	const ul = el('ul');
	for (const l of fr.lines.slice(0, 10)) {
		ul.appendChild(el('li', '', `Line ${l.line}${l.column ? `, column ${l.column}` : ''}: ${l.reason}`));
	}
	if (n > 10) ul.appendChild(el('li', '', `and ${(n - 10).toLocaleString('en')} more (see the worker's log).`));
	box.appendChild(ul);
}

function validateAdd() {
	const input = $('add-number'), hint = $('add-hint');
	if (input.value.trim() === '') {
		input.className = '';
		hint.className = 'field-hint';
		hint.textContent = '10 to 15 digits; spaces, dashes, dots, brackets and + are ignored.';
		return null;
	}
	const n = normalise(input.value);
	input.className = n.error ? 'invalid' : 'valid';
	hint.className = `field-hint ${n.error ? 'error' : 'ok'}`;
	if (n.error) hint.textContent = n.error;
	else if (isListed(n.digits)) {
		input.className = 'invalid';
		hint.className = 'field-hint error';
		hint.textContent = `${fmtNumber(n.digits)} is already on the whitelist.`;
		return null;
	} else hint.textContent = `Will be saved as ${n.digits}.`;
	return n.error ? null : n.digits;
}

async function addNumber(ev) {
	ev.preventDefault();
	const input = $('add-number');
	if (validateAdd() === null) {
		if (input.value.trim() === '') validateAddEmpty();
		return;
	}
	const r = await api('/api/whitelist/add', { method: 'POST', body: { phoneNumber: input.value } });
	const hint = $('add-hint');
	if (r.body.success) {
		toast(`Added ${fmtNumber(r.body.number)}`);
		input.value = '';
		validateAdd();
		await loadWhitelist();
	} else {
		hint.className = 'field-hint error';
		hint.textContent = r.body.error || 'Could not add the number.';
		input.className = 'invalid';
	}
}

function validateAddEmpty() {
	$('add-number').className = 'invalid';
	$('add-hint').className = 'field-hint error';
	$('add-hint').textContent = 'Enter a phone number.';
}

async function removeNumber(d) {
	if (!(await confirmAction('Remove number?', `${fmtNumber(d)} will no longer be able to use the bot.`, 'Remove')))
		return;
	const r = await api(`/api/whitelist/remove/${encodeURIComponent(d)}`, { method: 'DELETE' });
	toast(r.body.success ? `Removed ${fmtNumber(d)}` : (r.body.error || 'failed'), !r.body.success);
	await loadWhitelist();
}

function bulkEntries() {
	return $('bulk-text').value.split(/[\n\r,;]+/).map((s) => s.trim()).filter((s) => s !== '');
}

function bulkSummary() {
	const e = bulkEntries();
	const bad = e.filter((x) => normalise(x).error);
	$('bulk-summary').textContent = e.length === 0 ? '' :
		`${e.length} entr${e.length === 1 ? 'y' : 'ies'}${bad.length ? `, ${bad.length} invalid` : ''}`;
}

async function bulkImport() {
	const e = bulkEntries(), err = $('bulk-error');
	err.textContent = '';
	const bad = e.filter((x) => normalise(x).error);
	if (bad.length) {
		err.textContent = `Fix these first (nothing was changed):\n${bad.slice(0, 20).join(', ')}${bad.length > 20 ? ', …' : ''}`;
		return;
	}
	if (!(await confirmAction('Replace the whitelist?',
		`The current ${ui.numbers.length} number(s) will be replaced by ${e.length}.`, 'Replace')))
		return;
	const r = await api('/api/whitelist/bulk', { method: 'PUT', body: { numbers: e } });
	if (r.body.success) {
		toast(`Whitelist replaced: ${r.body.count} numbers`);
		$('bulk-text').value = '';
		bulkSummary();
		await loadWhitelist();
	} else {
		err.textContent = `${r.body.error || 'failed'}${r.body.invalid ? `\n${r.body.invalid.join(', ')}` : ''}`;
	}
}

function bulkFile(ev) {
	const f = ev.target.files[0];
	if (!f) return;
	// the API takes up to 4 MiB: 100 000 numbers with separators
	if (f.size > 4 * 1024 * 1024) { $('bulk-error').textContent = 'File too large (4 MB at most).'; return; }
	const rd = new FileReader();
	rd.onload = () => { $('bulk-text').value = rd.result; bulkSummary(); };
	rd.readAsText(f);
	ev.target.value = '';
}

// ---- live events --------------------------------------------------------

function connectEvents() {
	if (ui.es) ui.es.close();
	const es = new EventSource(walinkSessions.path('/api/events'));
	ui.es = es;
	es.onopen = () => setLive('on', 'live');
	es.onerror = async () => {
		setLive('off', 'reconnecting…');
		if (es.readyState === EventSource.CLOSED) {
			// closed for good (e.g. 401): find out why, then retry
			const r = await api('/api/auth/session');
			if (r.status === 200 && ui.es === es) setTimeout(connectEvents, 2000);
		}
	};
	const on = (name, fn) => es.addEventListener(name, (ev) => {
		try { fn(JSON.parse(ev.data)); } catch (e) { /* malformed frame: ignore */ }
	});
	on('state', renderState);
	on('heartbeat', onHeartbeat);
	on('qr', (q) => { if (ui.state && ui.state.state === 'qr' && !q.expired) refreshQr(); });
	on('whitelist', () => loadWhitelist());
	if (window.walinkMessages) window.walinkMessages.listen(es);	// messages.js
	on('worker', (w) => {
		const was = ui.workerUp;
		setWorker(w.reachable);
		if (w.reachable && !was) { loadState(); loadWhitelist(); }
	});
}

// ---- start --------------------------------------------------------------

async function login(ev) {
	ev.preventDefault();
	const err = $('login-error');
	err.textContent = '';
	const r = await api('/api/auth/login', { method: 'POST', body: { password: $('password').value } });
	if (r.status === 200) {
		ui.csrf = r.body.csrfToken;
		$('password').value = '';
		await showApp();
	} else if (r.status === 429) {
		err.textContent = r.body.error;
	} else {
		err.textContent = r.status === 401 ? 'Wrong password.' : (r.body.error || 'Sign-in failed.');
	}
}

async function signOut() {
	await api('/api/auth/logout', { method: 'POST' });
	showLogin();
}

// Ends every dashboard session (all devices, this one too); tokens stay.
async function signOutEverywhere() {
	if (!(await confirmAction('Sign out everywhere?',
	    'Every signed-in dashboard ends, on every device, this one included. Scripts using the API token keep working.',
	    'Sign out everywhere'))) return;
	const r = await api('/api/auth/logout-all', { method: 'POST' });
	if (!r.body.success) {
		toast(r.body.error || 'failed', true);
		return;
	}
	showLogin();
}

async function start() {
	$('login-form').addEventListener('submit', login);
	$('signout').addEventListener('click', signOut);
	$('btn-signout-all').addEventListener('click', signOutEverywhere);
	for (const t of TABS) {
		$(`tab-${t}`).addEventListener('click', () => selectTab(t));
		$(`tab-${t}`).addEventListener('keydown', onTabKey);
	}
	$('btn-restart').addEventListener('click', () => linkAction('/api/whatsapp/restart',
		'Restart the link?', 'The WhatsApp connection is closed and reopened with the stored session.',
		'Restart', 'Link restarting'));
	$('btn-logout').addEventListener('click', () => linkAction('/api/whatsapp/logout',
		'Log out WhatsApp?', 'This device is unlinked from the phone. A new QR must be scanned to link again.',
		'Log out', 'Logged out; a new QR follows'));
	$('btn-newqr').addEventListener('click', async () => {
		const r = await api('/api/whatsapp/qr/new', { method: 'POST' });
		toast(r.body.success ? 'New QR requested' : (r.body.error || 'failed'), !r.body.success);
	});
	$('qr-img').addEventListener('error', () => { $('qr-img').removeAttribute('src'); });
	$('add-form').addEventListener('submit', addNumber);
	$('add-number').addEventListener('input', validateAdd);
	$('bulk-text').addEventListener('input', bulkSummary);
	$('bulk-file').addEventListener('change', bulkFile);
	$('bulk-btn').addEventListener('click', bulkImport);
	$('wl-search').addEventListener('input', setWlQuery);
	// one listener for every row's Remove button
	$('wl-list').addEventListener('click', (ev) => {
		const li = ev.target.closest('button') && ev.target.closest('li[data-number]');
		if (li) removeNumber(li.dataset.number);
	});
	$('wl-prev').addEventListener('click', () => setWlPage(-1));
	$('wl-next').addEventListener('click', () => setWlPage(1));
	selectTab(TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'whatsapp');
	prefetchWhitelist();
	const r = await api('/api/auth/session');
	if (r.status === 200) {
		ui.csrf = r.body.csrfToken;
		await showApp();
	} else showLogin();
}

document.addEventListener('DOMContentLoaded', start);
