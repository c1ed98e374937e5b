// messages.js: the Messages tab. Recent messages both ways (metadata only:
// never a body), kept live by app.js's event stream (message_status and
// message frames), the webhook dead letters with "Deliver again", and a
// small form for operators to send a text to a whitelisted number. Results
// are announced through aria-live regions. Self-contained beside app.js:
// it asks for its own CSRF token, and app.js hands it the EventSource.
(() => {
	'use strict';
	const $ = (id) => document.getElementById(id);
	const ROWS_MAX = 200;
	// id -> row data; the table shows the newest first
	const rows = new Map();
	let csrf = null, loaded = false;

	// sessions.js's global lexical binding (a const is no window property)
	const path = (p) => (typeof walinkSessions !== 'undefined' ? walinkSessions.path(p) : p);

	async function call(p, method = 'GET', body) {
		const headers = {};
		if (method !== 'GET') {
			if (!csrf) {
				const s = await fetch('/api/auth/session', { credentials: 'same-origin' });
				csrf = s.ok ? (await s.json()).csrfToken : null;
			}
			headers['content-type'] = 'application/json';
			if (csrf) headers['x-csrf-token'] = csrf;
		}
		try {
			const r = await fetch(path(p), { method, headers, credentials: 'same-origin',
				body: body === undefined ? undefined : JSON.stringify(body) });
			let j = {};
			try { j = await r.json(); } catch (e) { j = {}; }
			if (r.status === 403 && /CSRF/i.test(j.error || '')) csrf = null;
			return { status: r.status, body: j };
		} catch (e) {
			return { status: 0, body: { error: 'wa-control unreachable' } };
		}
	}

	function cell(text, cls) {
		const td = document.createElement('td');
		if (cls) td.className = cls;
		td.textContent = text;
		return td;
	}

	function fmt(ms) {
		if (!ms) return '—';
		return new Date(ms).toLocaleString([], { hour12: false, month: 'short', day: 'numeric',
			hour: '2-digit', minute: '2-digit', second: '2-digit' });
	}

	function statusText(m) {
		if (m.status === 'failed')
			return m.error ? `failed (${m.error})` : 'failed (no answer)';
		return m.status || '—';
	}

	function render() {
		const tb = $('msgs-rows');
		const list = [...rows.values()].sort((a, b) => b.time - a.time).slice(0, ROWS_MAX);
		const frag = document.createDocumentFragment();
		for (const m of list) {
			const tr = document.createElement('tr');
			tr.dataset.id = m.id;
			const t = cell(fmt(m.time));
			const st = document.createElement('td');
			const badge = document.createElement('span');
			badge.className = `msg-status ${m.status || ''}`;
			badge.textContent = statusText(m);
			if (m.reason) badge.title = m.reason;
			st.appendChild(badge);
			const peer = m.direction === 'out' ? m.to : m.from;
			tr.append(t, cell(m.direction === 'out' ? 'sent' : 'received'),
				cell(peer ? (/^[0-9]+$/.test(peer) ? `+${peer}` : peer) : '—'),
				cell(m.type || '—'), st, cell(m.id, 'id'));
			frag.appendChild(tr);
		}
		tb.replaceChildren(frag);
		$('msgs-empty').hidden = list.length > 0;
	}

	function put(m) {
		const old = rows.get(m.id) || {};
		rows.set(m.id, { ...old, ...m });
		if (rows.size > ROWS_MAX * 2) {
			const oldest = [...rows.values()].sort((a, b) => a.time - b.time)
				.slice(0, rows.size - ROWS_MAX);
			for (const o of oldest) rows.delete(o.id);
		}
	}

	async function loadMessages() {
		const r = await call('/api/messages?limit=100');
		if (r.status !== 200) return;
		rows.clear();
		for (const m of r.body.messages || []) put(m);
		loaded = true;
		render();
	}

	async function loadDead() {
		const r = await call('/api/webhooks/dead');
		const tb = $('dead-rows'), empty = $('dead-empty'), table = $('dead-table');
		if (r.status !== 200) {
			empty.textContent = r.body.error || 'Dead letters could not be read.';
			empty.hidden = false;
			table.hidden = true;
			return;
		}
		const dead = r.body.dead || [];
		tb.replaceChildren();
		for (const d of dead) {
			const tr = document.createElement('tr');
			const act = document.createElement('td');
			const b = document.createElement('button');
			b.type = 'button';
			b.className = 'btn small';
			b.textContent = 'Deliver again';
			b.dataset.id = d.id;
			b.setAttribute('aria-label', `Deliver again ${d.id}`);
			act.appendChild(b);
			tr.append(cell(d.id, 'id'), cell(fmt(d.failedAt)), cell(String(d.attempts), 'num'),
				cell(d.status > 0 ? `HTTP ${d.status}` : (d.error || 'no answer')), act);
			tb.appendChild(tr);
		}
		table.hidden = dead.length === 0;
		empty.hidden = dead.length > 0;
		empty.textContent = r.body.webhooks === false ?
			'No --hook-url: this worker sends no webhooks.' : 'No dead letters.';
	}

	async function redeliver(id, button) {
		const out = $('dead-status');
		button.disabled = true;
		const r = await call(`/api/webhooks/redeliver/${encodeURIComponent(id)}`, 'POST', {});
		out.className = `field-hint ${r.body.success ? 'ok' : 'error'}`;
		out.textContent = r.body.success ? `Event ${id} is queued for delivery again.` :
			`Could not deliver ${id} again: ${r.body.error || 'failed'}`;
		await loadDead();
	}

	function digitsOf(text) {
		const s = String(text).trim();
		if (s === '' || /[^0-9+\s\-.()]/.test(s)) return null;
		const d = s.replace(/[^0-9]/g, '');
		return d.length >= 10 && d.length <= 15 && d[0] !== '0' ? d : null;
	}

	async function send(ev) {
		ev.preventDefault();
		const out = $('send-status'), to = $('send-to'), text = $('send-text');
		const d = digitsOf(to.value);
		const fail = (msg, field) => {
			out.className = 'field-hint error';
			out.textContent = msg;
			if (field) {
				field.setAttribute('aria-invalid', 'true');
				field.focus();
			}
		};
		to.removeAttribute('aria-invalid');
		text.removeAttribute('aria-invalid');
		if (d === null) return fail('Enter the number with its country code: 10 to 15 digits.', to);
		if (text.value.trim() === '') return fail('Write the message first.', text);
		$('send-btn').disabled = true;
		out.className = 'field-hint';
		out.textContent = 'Sending…';
		const r = await call('/api/messages', 'POST', { to: d, type: 'text', text: text.value });
		$('send-btn').disabled = false;
		if (r.status === 200 && r.body.success) {
			out.className = 'field-hint ok';
			out.textContent = `Queued for +${d} as message ${r.body.id}. Its status follows in Recent messages.`;
			text.value = '';
			put({ id: r.body.id, direction: 'out', to: d, type: 'text', status: 'queued', time: Date.now(),
				...(r.body.message ? { status: r.body.message.status, time: r.body.message.updatedAt } : {}) });
			render();
			return;
		}
		const why = {
			403: `+${d} is not on the whitelist: the bot writes to whitelisted numbers only.`,
			503: 'The worker is not answering: try again in a moment.',
			429: 'Too many messages in flight: try again in a moment.',
		}[r.status];
		fail(why || `Not sent: ${r.body.error || 'the request failed'}`, r.status === 403 ? to : null);
	}

	function onStatus(s) {
		put({ id: s.id, direction: 'out', to: s.to, type: s.type, status: s.status,
			error: s.error, time: s.updatedAt });
		if (loaded) render();
	}

	function onInbound(m) {
		if (!m.id) return;
		put({ id: m.id, direction: 'in', from: m.from, status: m.accepted ? 'accepted' : 'refused',
			reason: m.reason, time: m.time || Date.now() });
		if (loaded) render();
	}

	function shown() {
		return !$('panel-messages').hidden && !$('app-view').hidden;
	}

	function refresh() {
		if (!shown()) return;
		loadMessages();
		loadDead();
	}

	// app.js calls this with each new EventSource (after sign-in too).
	function listen(es) {
		const on = (name, fn) => es.addEventListener(name, (ev) => {
			try { fn(JSON.parse(ev.data)); } catch (e) { /* malformed frame: ignore */ }
		});
		on('message_status', onStatus);
		on('message', onInbound);
		csrf = null;
		refresh();
	}

	function start() {
		$('send-form').addEventListener('submit', send);
		$('msgs-refresh').addEventListener('click', loadMessages);
		$('dead-refresh').addEventListener('click', loadDead);
		$('dead-rows').addEventListener('click', (ev) => {
			const b = ev.target.closest('button[data-id]');
			if (b) redeliver(b.dataset.id, b);
		});
		// the tab shows: load what it lists
		new MutationObserver(refresh).observe($('panel-messages'),
			{ attributes: true, attributeFilter: ['hidden'] });
	}

	window.walinkMessages = { listen };
	document.addEventListener('DOMContentLoaded', start);
})();
