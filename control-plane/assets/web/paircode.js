// paircode.js: "Link with phone number instead" on the WhatsApp tab, and the
// passkey_required notice. Self-contained beside app.js: it asks the API for
// its own CSRF token and follows /api/whatsapp/state while the card shows.
// The code is for the owner to type on the phone: shown large, announced
// through an aria-live region, never stored.
(() => {
	'use strict';
	const $ = (id) => document.getElementById(id);
	let csrf = null, timer = null, expiresAt = null;

	async function call(path, body) {
		const headers = {};
		if (body !== undefined) {
			if (!csrf) {
				const s = await fetch('/api/auth/session', { credentials: 'same-origin' });
				csrf = s.ok ? (await s.json()).csrfToken : null;
			}
			headers['content-type'] = 'application/json';
			if (csrf) headers['x-csrf-token'] = csrf;
		}
		try {
			const r = await fetch(path, { method: body === undefined ? 'GET' : 'POST', headers,
				credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
			let j = {};
			try { j = await r.json(); } catch (e) { j = {}; }
			return { status: r.status, body: j };
		} catch (e) {
			return { status: 0, body: { error: 'wa-control unreachable' } };
		}
	}

	const MESSAGES = {
		requesting: 'Asking WhatsApp for a code…',
		shown: 'On the phone: WhatsApp › Settings › Linked devices › Link a device › ' +
		    'Link with phone number instead, then type this code.',
		typed: 'Code typed on the phone: finishing the link…',
		wrong_code: 'The code typed on the phone was wrong. Type it again exactly as shown.',
		expired: 'The code expired before it was typed. Ask for a new one.',
		not_on_whatsapp: 'This number is not on WhatsApp. Check the country code and the digits.',
		refused: 'WhatsApp refused the request.'
	};

	function show(pc) {
		const out = $('paircode-code'), msg = $('paircode-status');
		if (!pc || pc.status === 'none') {
			out.hidden = true;
			return;
		}
		const live = pc.code && ['shown', 'wrong_code', 'typed'].includes(pc.status);
		out.hidden = !live;
		if (live && out.textContent !== pc.code)
			out.textContent = pc.code;
		expiresAt = live && pc.expiresAt ? Date.parse(pc.expiresAt) : null;
		msg.dataset.status = pc.status;
		msg.textContent = (MESSAGES[pc.status] || '') + (pc.detail && pc.status !== 'shown' ?
		    ' ' + pc.detail : '');
		tick();
	}

	function tick() {
		const c = $('paircode-countdown');
		if (!expiresAt) {
			c.textContent = '';
			return;
		}
		const s = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
		c.textContent = s > 0 ? `valid for ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}` :
		    'expired';
	}

	async function poll() {
		const r = await call('/api/whatsapp/state');
		const cs = r.body && r.body.connectionState;
		if (!cs) return;
		const card = $('paircode-card'), pk = $('passkey-notice');
		const linking = ['qr', 'connecting', 'passkey_required'].includes(cs.state) && !cs.isAuthenticated;
		card.hidden = !linking && !(cs.pairCode && cs.pairCode.status === 'typed');
		pk.hidden = cs.state !== 'passkey_required';
		if (!pk.hidden)
			$('passkey-detail').textContent = cs.detail || '';
		show(cs.pairCode);
	}

	async function ask(ev) {
		ev.preventDefault();
		const input = $('paircode-phone'), btn = $('paircode-ask');
		btn.disabled = true;
		$('paircode-status').textContent = MESSAGES.requesting;
		const r = await call('/api/whatsapp/pair-code', { phoneNumber: input.value });
		btn.disabled = false;
		if (r.status === 200 || r.status === 202 || r.status === 422) {
			show(r.body);
		} else {
			$('paircode-code').hidden = true;
			$('paircode-status').dataset.status = 'error';
			$('paircode-status').textContent = r.body.error || `request failed (${r.status})`;
			input.focus();
		}
	}

	function init() {
		if (!$('paircode-card')) return;
		$('paircode-form').addEventListener('submit', ask);
		poll();
		timer = setInterval(() => { tick(); if (!document.hidden) poll(); }, 1000);
	}
	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', init);
	else
		init();
	window.addEventListener('pagehide', () => clearInterval(timer));
})();
