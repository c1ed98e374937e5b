// walink console: the overview of every session (issue 15). Loaded before
// app.js. With one session nothing changes: the page is the seed's two
// tabs. With more, the page opens on a table of all sessions (state,
// number, heartbeat, whitelist size), the ones needing a person first,
// with search, per-state filters and pages of PAGE rows, so thousands of
// sessions never mean thousands of DOM rows. Opening a row shows app.js's
// two tabs for that session: app.js sends its API calls through
// walinkSessions.path(), which puts /api/sessions/ID in front of them.
// Live: one SSE stream of every session updates the rows in memory; the
// visible page is redrawn at most once a second.
'use strict';

const walinkSessions = (() => {
	const PAGE = 50;
	const OPEN_KEY = 'walink-session';	// the session open in this tab, across reloads
	const ATTENTION_ORDER = ['unreachable', 'logged_out', 'conflict', 'banned', 'outdated',
		'passkey_required', 'server_failure', 'qr'];
	const STATE_GROUP = {
		connected: 'connected', unstable: 'unstable', restarting: 'restarting',
		starting: 'connecting', connecting: 'connecting', qr: 'connecting', pairing: 'connecting',
		disconnected: 'disconnected', logged_out: 'disconnected', conflict: 'disconnected',
		banned: 'disconnected', outdated: 'disconnected', unreachable: 'disconnected',
		passkey_required: 'disconnected', server_failure: 'disconnected',
	};
	const st = { list: [], byId: new Map(), current: null, filter: '', query: '', page: 0,
		es: null, dirty: false, timer: null, many: false, defaultId: null };
	const $ = (id) => document.getElementById(id);

	/* The API path of app.js's call, for the session shown (seed path for the default). */
	function path(p) {
		if (!st.current || st.current === st.defaultId) return p;
		const m = /^\/api\/(whitelist|whatsapp|events)(.*)$/.exec(p);
		return m ? `/api/sessions/${encodeURIComponent(st.current)}/${m[1]}${m[2]}` : p;
	}

	function rank(s) {
		const i = ATTENTION_ORDER.indexOf(s.state);
		return i < 0 ? ATTENTION_ORDER.length : i;
	}

	function sortList() {
		st.list.sort((a, b) => (rank(a) - rank(b)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	}

	function visible() {
		const q = st.query.trim().toLowerCase().replace(/^\+/, '');
		return st.list.filter((s) => (!st.filter || s.state === st.filter) &&
			(!q || s.id.toLowerCase().includes(q) || (s.number || '').includes(q)));
	}

	function label(state) {
		return state.replace('_', ' ');
	}

	function fmtAgo(iso) {
		if (!iso) return 'none yet';
		const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
		return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` :
			`${Math.round(s / 3600)} h ago`;
	}

	function cell(tag, text, cls) {
		const c = document.createElement(tag);
		if (cls) c.className = cls;
		if (text !== undefined) c.textContent = text;
		return c;
	}

	function renderCounts() {
		const counts = {};
		for (const s of st.list) counts[s.state] = (counts[s.state] || 0) + 1;
		const box = $('sessions-filters');
		box.replaceChildren();
		const chip = (state, n, text) => {
			const b = cell('button', `chip ${state ? STATE_GROUP[state] || 'unknown' : 'all'}`);
			b.type = 'button';
			b.setAttribute('aria-pressed', String(st.filter === state));
			b.dataset.state = state;
			b.append(cell('span', text), cell('span', String(n), 'chip-n'));
			b.addEventListener('click', () => { st.filter = state; st.page = 0; render(); });
			box.appendChild(b);
		};
		chip('', st.list.length, 'All');
		for (const k of Object.keys(counts).sort((a, b) => rank({ state: a }) - rank({ state: b }) ||
			(a < b ? -1 : 1)))
			chip(k, counts[k], label(k));
		const need = st.list.filter((s) => s.needsAttention).length;
		const total = $('sessions-total');
		total.dataset.total = String(st.list.length);
		total.textContent = `${st.list.length} session${st.list.length === 1 ? '' : 's'}, ` +
			`${need} need${need === 1 ? 's' : ''} a person`;
	}

	function renderRows() {
		const rows = visible();
		const pages = Math.max(1, Math.ceil(rows.length / PAGE));
		if (st.page >= pages) st.page = pages - 1;
		const tbody = $('sessions-rows');
		const frag = document.createDocumentFragment();
		for (const s of rows.slice(st.page * PAGE, (st.page + 1) * PAGE)) {
			const tr = document.createElement('tr');
			tr.dataset.session = s.id;
			const open = cell('button', 'link-btn', s.id);
			open.type = 'button';
			open.setAttribute('aria-label', `open session ${s.id}, ${label(s.state)}`);
			open.addEventListener('click', () => openSession(s.id));
			const idc = cell('th');
			idc.scope = 'row';
			idc.appendChild(open);
			const badge = cell('span', label(s.state), `badge ${STATE_GROUP[s.state] || 'unknown'}`);
			badge.dataset.state = s.state;
			const stc = cell('td');
			stc.appendChild(badge);
			tr.append(idc, stc, cell('td', s.number ? `+${s.number}` : '—'),
				cell('td', fmtAgo(s.lastHeartbeat)),
				cell('td', s.whitelistCount === null || s.whitelistCount === undefined ?
					'—' : String(s.whitelistCount), 'num'));
			frag.appendChild(tr);
		}
		tbody.replaceChildren(frag);
		$('sessions-empty').hidden = rows.length > 0;
		$('sessions-page').textContent = `Page ${st.page + 1} of ${pages} · ${rows.length} shown`;
		$('sessions-prev').disabled = st.page === 0;
		$('sessions-next').disabled = st.page >= pages - 1;
	}

	function render() {
		st.dirty = false;
		renderCounts();
		renderRows();
	}

	/* Events arrive for every session; the page is redrawn at most once a second. */
	function later() {
		st.dirty = true;
		if (st.timer) return;
		st.timer = setTimeout(() => {
			st.timer = null;
			if (st.dirty && !$('sessions-overview').hidden) render();
		}, 1000);
	}

	function update(id, fields) {
		const s = st.byId.get(id);
		if (!s) { load(); return; }	// a session added since the list was read
		const before = s.state;
		Object.assign(s, fields);
		if (s.state !== before) sortList();
		later();
	}

	function connect() {
		if (st.es) st.es.close();
		const es = new EventSource('/api/events?session=*');
		st.es = es;
		const on = (name, fn) => es.addEventListener(name, (ev) => {
			try { fn(JSON.parse(ev.data)); } catch (e) { /* malformed frame: ignore */ }
		});
		on('resync', () => load());
		on('worker', (w) => {
			const s = st.byId.get(w.session);
			if (!s) return;
			update(w.session, { workerReachable: w.reachable,
				state: w.reachable ? s.linkState : 'unreachable' });
		});
		on('state', (c) => update(c.session, { linkState: c.state,
			state: c.workerReachable === false ? 'unreachable' : c.state,
			number: c.connectedNumber, lastHeartbeat: c.lastHeartbeat,
			needsAttention: c.workerReachable === false ||
				['qr', 'logged_out', 'conflict', 'banned', 'outdated', 'passkey_required',
					'server_failure'].includes(c.state) }));
		on('heartbeat', (h) => update(h.session, { lastHeartbeat: h.timestamp, number: h.phoneNumber }));
		on('whitelist', (w) => update(w.session, { whitelistCount: w.count }));
	}

	async function load() {
		let j;
		try {
			const r = await fetch('/api/sessions', { credentials: 'same-origin' });
			if (r.status !== 200) return false;
			j = await r.json();
		} catch (e) {
			return false;
		}
		st.list = j.sessions;
		st.byId = new Map(st.list.map((s) => [s.id, s]));
		st.defaultId = j.default;
		sortList();
		render();
		return j.total;
	}

	function showOverview(push = true) {
		st.current = null;
		sessionStorage.removeItem(OPEN_KEY);
		$('sessions-overview').hidden = false;
		$('app-view').classList.add('behind-overview');
		$('banner').hidden = true;	// app.js's "worker unreachable" is per session
		$('session-head').hidden = true;
		if (push) history.replaceState(null, '', '#sessions');
		render();
		$('sessions-title').focus();
	}

	function openSession(id) {
		st.current = id;
		$('sessions-overview').hidden = true;
		$('app-view').classList.remove('behind-overview');
		$('session-head').hidden = false;
		$('session-name').textContent = id;
		history.replaceState(null, '', `#session=${encodeURIComponent(id)}`);
		sessionStorage.setItem(OPEN_KEY, id);	// app.js's tabs rewrite the hash
		// app.js: reload both tabs and its event stream for this session
		loadState();
		loadWhitelist();
		connectEvents();
		$('export').href = path('/api/whitelist/export');
		$('session-name').focus();
	}

	/* After sign-in (app.js showApp): more than one session shows the overview. */
	async function start() {
		const total = await load();
		st.many = total > 1;
		$('session-head').hidden = true;
		if (!st.many) return;
		connect();
		const m = /^#session=(.+)$/.exec(location.hash);
		const want = m ? decodeURIComponent(m[1]) : sessionStorage.getItem(OPEN_KEY);
		if (want && st.byId.has(want)) openSession(want);
		else showOverview(false);
	}

	function stop() {
		if (st.es) { st.es.close(); st.es = null; }
	}

	document.addEventListener('DOMContentLoaded', () => {
		$('sessions-search').addEventListener('input', (e) => {
			st.query = e.target.value;
			st.page = 0;
			renderRows();
		});
		$('sessions-prev').addEventListener('click', () => { st.page--; renderRows(); });
		$('sessions-next').addEventListener('click', () => { st.page++; renderRows(); });
		$('sessions-back').addEventListener('click', () => showOverview());
	});

	return { path, start, stop };
})();
