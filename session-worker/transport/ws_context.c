/*
 * ws_context.c: the lws_context the worker and its tools run the
 * transport in. Client only (no listening socket), TLS set up once,
 * certificates always verified.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libwebsockets.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "transport/ws.h"

/* lws's own connect and handshake timeouts must lose to ours. */
#define WS_LWS_TIMEOUT_SECS	(WS_CONNECT_TIMEOUT_MAX / 1000 + 10)

/*
 * lws 4.1.6 only logs a CA file it cannot load, and every connection then
 * fails verification: refuse it here, where the cause can still be named.
 */
static int
check_ca_file(const char *path)
{
	FILE *f;
	X509 *x;

	if ((f = fopen(path, "r")) == NULL)
		return -errno;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		return -EINVAL;
	X509_free(x);
	return 0;
}

/*
 * Without a CA file, Debian's lws 4.1.6 also trusts any hashed CA in
 * "../share" (LWS_OPENSSL_CLIENT_CERTS), relative to the working
 * directory. Naming OpenSSL's own bundle file closes that door; the
 * default verify paths (bundle and directory) are loaded as well.
 */
static int
system_ca_file(const char **out)
{
	const char *path = X509_get_default_cert_file();
	int rc;

	if ((rc = check_ca_file(path)) < 0)
		return rc;	/* no bundle: refuse rather than trust ../share */
	*out = path;
	return 0;
}

int
ws_context_new(const char *test_ca_file, struct lws_context **out)
{
	/* the list ends after the client's entry */
	return ws_context_new_with(test_ca_file, ws_client_protocol(), NULL, out);
}

int
ws_context_new_with(const char *test_ca_file,
    const struct lws_protocols *protocols, void *user, struct lws_context **out)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	const char *sys_ca = NULL;
	int rc;

	if (test_ca_file != NULL && (rc = check_ca_file(test_ca_file)) < 0)
		return rc;
	if (test_ca_file == NULL && (rc = system_ca_file(&sys_ca)) < 0)
		return rc;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = user;
	/* without RAW_ORIGIN lws 4.1.6 prefixes "http://" to the Origin */
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
	    LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN;
	info.timeout_secs = WS_LWS_TIMEOUT_SECS;
	info.connect_timeout_secs = WS_LWS_TIMEOUT_SECS;
	if (test_ca_file != NULL) {
		/* trust exactly this CA: never the system store as well */
		info.client_ssl_ca_filepath = test_ca_file;
		info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	} else
		info.client_ssl_ca_filepath = sys_ca;
	if ((cx = lws_create_context(&info)) == NULL)
		return -EIO;	/* lws has logged why (TLS init, memory) */
	*out = cx;
	return 0;
}

void
ws_context_free(struct lws_context *cx)
{
	if (cx != NULL)
		lws_context_destroy(cx);
}
