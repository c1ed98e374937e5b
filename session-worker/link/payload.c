/*
 * payload.c: ClientPayload for registration and login, field for field as
 * WhatsApp Web sends it (protocol-notes §4; Baileys validate-connection.js
 * getClientPayload, generateLoginNode, generateRegistrationNode).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * OpenSSL's low-level MD5(), not EVP_Digest(): in OpenSSL 3 the first EVP
 * fetch loads the default provider's tables, 2.2 MB resident for the rest
 * of the worker's life (tests/bench/worker.sh), for a hash that only tags
 * the version (buildHash), no security rests on it. MD5() is deprecated
 * in 3.0, not removed.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>

#include "whatsapp.pb-c.h"
#include "payload.h"

#define KEY_LEN		32
#define SIG_LEN		64
#define KEY_TYPE_DJB	0x05	/* Signal's Curve25519 key type byte */

int
wa_version_parse(const char *s, struct wa_version *v)
{
	unsigned long long a, b, c;
	int end = 0;

	if (s == NULL || sscanf(s, "%llu.%llu.%llu%n", &a, &b, &c, &end) != 3 ||
	    s[end] != '\0' || a > UINT32_MAX || b > UINT32_MAX || c > UINT32_MAX)
		return -EINVAL;
	v->primary = (uint32_t)a;
	v->secondary = (uint32_t)b;
	v->tertiary = (uint32_t)c;
	return 0;
}

/* The parts both payloads share; everything points at caller storage. */
struct common {
	Wa__ClientPayload			 cp;
	Wa__ClientPayload__UserAgent		 ua;
	Wa__ClientPayload__UserAgent__AppVersion av;
	Wa__ClientPayload__WebInfo		 web;
};

static void
common_init(struct common *c, const struct wa_version *v)
{
	wa__client_payload__init(&c->cp);
	wa__client_payload__user_agent__init(&c->ua);
	wa__client_payload__user_agent__app_version__init(&c->av);
	wa__client_payload__web_info__init(&c->web);

	c->av.has_primary = c->av.has_secondary = c->av.has_tertiary = true;
	c->av.primary = v->primary;
	c->av.secondary = v->secondary;
	c->av.tertiary = v->tertiary;

	c->ua.has_platform = true;
	c->ua.platform = WA__CLIENT_PAYLOAD__USER_AGENT__PLATFORM__WEB;
	c->ua.appversion = &c->av;
	c->ua.mcc = "000";
	c->ua.mnc = "000";
	c->ua.osversion = "0.1";
	c->ua.device = "Desktop";
	c->ua.osbuildnumber = "0.1";
	c->ua.has_releasechannel = true;
	c->ua.releasechannel = WA__CLIENT_PAYLOAD__USER_AGENT__RELEASE_CHANNEL__RELEASE;
	c->ua.localelanguageiso6391 = "en";
	c->ua.localecountryiso31661alpha2 = "US";

	c->web.has_websubplatform = true;
	c->web.websubplatform = WA__CLIENT_PAYLOAD__WEB_INFO__WEB_SUB_PLATFORM__WEB_BROWSER;

	c->cp.useragent = &c->ua;
	c->cp.webinfo = &c->web;
	c->cp.has_connecttype = true;
	c->cp.connecttype = WA__CLIENT_PAYLOAD__CONNECT_TYPE__WIFI_UNKNOWN;
	c->cp.has_connectreason = true;
	c->cp.connectreason = WA__CLIENT_PAYLOAD__CONNECT_REASON__USER_ACTIVATED;
}

static int
pack(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n != 0 ? n : 1);

	if (buf == NULL)
		return -ENOMEM;
	*len = protobuf_c_message_pack(m, buf);
	*out = buf;
	return 0;
}

int
wa_payload_login(const struct wa_version *v, const struct wa_login *l,
    uint8_t **out, size_t *len)
{
	struct common c;

	if (l->username == 0)
		return -EINVAL;
	common_init(&c, v);
	c.cp.has_username = true;
	c.cp.username = l->username;
	c.cp.has_device = true;
	c.cp.device = l->device;
	c.cp.has_passive = c.cp.passive = true;
	c.cp.has_pull = c.cp.pull = true;
	/* whatsmeow store/clientpayload.go getLoginPayload: lidDbMigrated
	 * true, lc 1 (Baileys 7 sends lidDbMigrated false; whatsmeow is the
	 * arbiter, issue 11). */
	c.cp.has_liddbmigrated = true;
	c.cp.liddbmigrated = true;
	c.cp.has_lc = true;
	c.cp.lc = 1;
	if (l->push_name != NULL)
		c.cp.pushname = (char *)l->push_name;
	return pack(&c.cp.base, out, len);
}

static void
put_be(uint8_t *p, uint32_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = v & 0xff;
		v >>= 8;
	}
}

/*
 * DeviceProps tells the phone what to call this device and how much
 * history it wants; walink wants none beyond what messages need.
 */
static int
device_props(const char *name, uint8_t **out, size_t *len)
{
	Wa__DeviceProps dp;
	Wa__DeviceProps__AppVersion ver;
	Wa__DeviceProps__HistorySyncConfig hs;

	wa__device_props__init(&dp);
	wa__device_props__app_version__init(&ver);
	wa__device_props__history_sync_config__init(&hs);
	ver.has_primary = ver.has_secondary = ver.has_tertiary = true;
	ver.primary = 10;
	ver.secondary = 15;
	ver.tertiary = 7;
	hs.has_storagequotamb = true;
	hs.storagequotamb = 10240;
	hs.has_inlineinitialpayloadine2eemsg = true;
	hs.inlineinitialpayloadine2eemsg = true;
	hs.has_supportcallloghistory = true;
	hs.supportcallloghistory = false;
	dp.os = (char *)(name != NULL ? name : WA_DEVICE_NAME_DEFAULT);
	dp.version = &ver;
	dp.has_platformtype = true;
	dp.platformtype = WA__DEVICE_PROPS__PLATFORM_TYPE__CHROME;
	dp.has_requirefullsync = true;
	dp.requirefullsync = false;
	dp.historysyncconfig = &hs;
	return pack(&dp.base, out, len);
}

int
wa_payload_register(const struct wa_version *v,
    const struct wa_registration *r, uint8_t **out, size_t *len)
{
	struct common c;
	Wa__ClientPayload__DevicePairingRegistrationData reg;
	uint8_t regid[4], keytype[1] = { KEY_TYPE_DJB }, skey_id[3];
	uint8_t build_hash[16], *props = NULL;	/* MD5 */
	char vstr[40];
	size_t props_len;
	int rc;

	if (r->identity_pub == NULL || r->signed_prekey_pub == NULL ||
	    r->signed_prekey_sig == NULL || r->signed_prekey_id >= 1u << 24)
		return -EINVAL;
	if ((rc = device_props(r->device_name, &props, &props_len)) < 0)
		return rc;
	/* buildHash: MD5 of the dotted version string (protocol-notes §4). */
	snprintf(vstr, sizeof(vstr), "%" PRIu32 ".%" PRIu32 ".%" PRIu32,
	    v->primary, v->secondary, v->tertiary);
	if (MD5((const unsigned char *)vstr, strlen(vstr), build_hash) == NULL) {
		free(props);
		return -EIO;
	}
	put_be(regid, r->registration_id, sizeof(regid));
	put_be(skey_id, r->signed_prekey_id, sizeof(skey_id));

	wa__client_payload__device_pairing_registration_data__init(&reg);
#define SET_BYTES(f, p, n) do {	reg.has_##f = true;			\
	reg.f.data = (uint8_t *)(p); reg.f.len = (n); } while (0)
	SET_BYTES(eregid, regid, sizeof(regid));
	SET_BYTES(ekeytype, keytype, sizeof(keytype));
	SET_BYTES(eident, r->identity_pub, KEY_LEN);
	SET_BYTES(eskeyid, skey_id, sizeof(skey_id));
	SET_BYTES(eskeyval, r->signed_prekey_pub, KEY_LEN);
	SET_BYTES(eskeysig, r->signed_prekey_sig, SIG_LEN);
	SET_BYTES(buildhash, build_hash, sizeof(build_hash));
	SET_BYTES(deviceprops, props, props_len);
#undef SET_BYTES

	common_init(&c, v);
	c.cp.has_passive = true;
	c.cp.passive = false;
	c.cp.has_pull = true;
	c.cp.pull = false;
	c.cp.devicepairingdata = &reg;
	rc = pack(&c.cp.base, out, len);
	free(props);
	return rc;
}
