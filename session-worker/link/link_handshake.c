/*
 * link_handshake.c: the client's two Noise XX messages (protocol-notes
 * §2-3): the hello, and the finish that carries the login payload of a
 * paired device or the registration of a new one (payload.c), and the
 * words for bytes that ended a connection. Reads struct link, writes none
 * of it; link.c moves the phase and splits the ciphers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noise/noise.h"
#include "store/creds.h"
#include "transport/frame.h"
#include "transport/ws.h"
#include "wl_error.h"

#include "link_internal.h"

int
link_hs_send_hello(struct link *l)
{
	uint8_t hello[NOISE_CLIENT_HELLO_LEN], out[FRAME_INTRO_MAX + 3 + sizeof(hello)];
	size_t hlen, olen;
	int rc;

	if ((rc = noise_hs_write_hello(l->hs, hello, sizeof(hello), &hlen)) < 0 ||
	    (rc = frame_writer_write(l->wr, hello, hlen, out, sizeof(out), &olen)) < 0)
		return rc;
	return ws_client_send(l->ws, out, olen);
}

int
link_hs_send_finish(struct link *l)
{
	uint8_t *payload = NULL, *fin = NULL, *out = NULL;
	size_t plen, flen, olen, cap;
	struct wa_registration reg;
	struct wa_login login;
	int rc;

	if (l->creds->paired) {
		char phone[16];
		creds_phone(l->creds, phone);
		memset(&login, 0, sizeof(login));
		login.username = strtoull(phone, NULL, 10);
		login.device = (uint32_t)strtoul(strchr(l->creds->me_jid, ':') ?
		    strchr(l->creds->me_jid, ':') + 1 : "0", NULL, 10);
		rc = wa_payload_login(&l->cfg.version, &login, &payload, &plen);
	} else {
		memset(&reg, 0, sizeof(reg));
		reg.registration_id = l->creds->registration_id;
		reg.identity_pub = l->creds->ident_pub;
		reg.signed_prekey_id = l->creds->spk_id;
		reg.signed_prekey_pub = l->creds->spk_pub;
		reg.signed_prekey_sig = l->creds->spk_sig;
		reg.device_name = l->cfg.device_name;
		rc = wa_payload_register(&l->cfg.version, &reg, &payload, &plen);
	}
	if (rc < 0)
		return rc;
	cap = NOISE_CLIENT_FINISH_MAX;
	if ((fin = malloc(cap)) == NULL || (out = malloc(cap + FRAME_INTRO_MAX + 3)) == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	if ((rc = noise_hs_write_finish(l->hs, payload, plen, fin, cap, &flen)) < 0 ||
	    (rc = frame_writer_write(l->wr, fin, flen, out, cap + FRAME_INTRO_MAX + 3,
	    &olen)) < 0)
		goto out_free;
	rc = ws_client_send(l->ws, out, olen);
out_free:
	free(out);
	free(fin);
	free(payload);
	return rc;
}

void
link_feed_fault_text(int reader_rc, int local_fault, char *out, size_t cap)
{
	if (local_fault < 0)
		snprintf(out, cap, "could not answer the server: %s (a failure "
		    "here, not the server's)", wl_strerror(local_fault));
	else
		snprintf(out, cap, "%s", reader_rc == -EMSGSIZE ?
		    "oversized frame from server" : "malformed frames from server");
}
