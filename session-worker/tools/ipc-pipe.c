/*
 * ipc-pipe: a long-lived IPC client for tests. Connects a REQ socket to the
 * URL given, then for every line of hex on stdin sends those bytes as one
 * request and prints the reply as one line of hex ("timeout" or "error
 * <reason>" instead when there is none). One process serves a whole test,
 * where spawning a client per request would cost more than the request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#include "hex.h"
#include "ipc.h"

int
main(int argc, char *argv[])
{
	int sock, timeout = argc > 2 ? atoi(argv[2]) : 2000;
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t n;

	if (argc < 2) {
		fprintf(stderr, "usage: ipc-pipe URL [TIMEOUT_MS] < hex-lines\n");
		return 64;
	}
	if ((sock = ipc_connect_req(argv[1], timeout)) < 0) {
		fprintf(stderr, "ipc-pipe: %s: %s\n", argv[1], strerror(-sock));
		return 3;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		uint8_t *req = malloc((size_t)n / 2 + 1);
		void *rep = NULL;
		size_t reqlen;
		int got;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (req == NULL ||
		    hex_decode(line, (size_t)n, req, (size_t)n / 2, &reqlen) < 0) {
			printf("error bad-hex\n");
			free(req);
			continue;
		}
		if (nn_send(sock, req, reqlen, 0) < 0)
			printf("error %s\n", nn_strerror(nn_errno()));
		else if ((got = nn_recv(sock, &rep, NN_MSG, 0)) < 0)
			printf("%s\n", nn_errno() == ETIMEDOUT ? "timeout" :
			    nn_strerror(nn_errno()));
		else {
			for (i = 0; i < (size_t)got; i++)
				printf("%02x", ((uint8_t *)rep)[i]);
			printf("\n");
			nn_freemsg(rep);
		}
		free(req);
	}
	free(line);
	nn_close(sock);
	return 0;
}
