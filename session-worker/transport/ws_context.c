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
 * Descriptors lws may watch. Left at 0, lws 4.1.6 sizes its pollfd table
 * and fd lookup map by the fd ulimit and zeroes both at start: 16 resident
 * bytes per allowed descriptor, 320 KB under ulimit -n 20000 and 16 MB
 * under a container's 1048576. A worker watches a few: the WebSocket (two
 * while a close overlaps a reconnect), the signal pipe, the IPC request
 * socket, lws's own cancel pipe, and one stdout pipe per running hook
 * (--hook-max, at most 256). Past the limit lws refuses the descriptor
 * (a failed connect or hook run, never corruption); with a limit below
 * the ulimit it finds fds by a scan instead of a table indexed by fd
 * (lws-context-vhost.h, fd_limit_per_thread). 8 KB here.
 */
#define WS_LWS_FDS_MAX		512

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
	return ws_context_new_with(test_ca_file, true, ws_client_protocol(),
	    NULL, out);
}

int
ws_context_new_with(const char *test_ca_file, bool tls,
    const struct lws_protocols *protocols, void *user, struct lws_context **out)
{
	struct lws_context_creation_info info;
	struct lws_context *cx;
	const char *sys_ca = NULL;
	int rc;

	if (tls && test_ca_file != NULL && (rc = check_ca_file(test_ca_file)) < 0)
		return rc;
	if (tls && test_ca_file == NULL && (rc = system_ca_file(&sys_ca)) < 0)
		return rc;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = user;
	info.fd_limit_per_thread = WS_LWS_FDS_MAX;
	/* without RAW_ORIGIN lws 4.1.6 prefixes "http://" to the Origin */
	info.options = LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN;
	info.timeout_secs = WS_LWS_TIMEOUT_SECS;
	info.connect_timeout_secs = WS_LWS_TIMEOUT_SECS;
	if (tls) {	/* else no OpenSSL and no CA store at all: see ws.h */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		/* a test CA is trusted alone, never with the system store */
		info.client_ssl_ca_filepath = test_ca_file != NULL ?
		    test_ca_file : sys_ca;
		if (test_ca_file != NULL)
			info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	}
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
